/** The inspector's stylesheet: a light theme, system fonts, three columns on wide screens. */
export const STYLE = `
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --panel: #f9fafb; --accent: #2563eb; --pick: #eff6ff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
code, pre { font: 12.5px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
header { display: flex; align-items: baseline; gap: 12px; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { margin: 0; font-size: 17px; font-weight: 600; }
header .store { color: var(--muted); }
main { display: grid; grid-template-columns: 200px minmax(380px, 1.2fr) minmax(340px, 1fr); gap: 0; min-height: calc(100vh - 45px); }
main > section { padding: 12px 16px; border-right: 1px solid var(--line); overflow: auto; }
main > section:last-child { border-right: none; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 4px 0 10px; font-weight: 600; }
h2 code { text-transform: none; letter-spacing: 0; color: var(--fg); }
button { font: inherit; color: inherit; background: none; border: none; padding: 0; cursor: pointer; text-align: left; }
button:disabled { cursor: default; color: var(--muted); }
ul, ol { list-style: none; margin: 0; padding: 0; }
.note { color: var(--muted); }
.error { color: #b91c1c; }
.branches li button { display: flex; justify-content: space-between; width: 100%; padding: 5px 8px; border-radius: 6px; }
.branches li button:hover { background: var(--panel); }
.branches li.selected button { background: var(--pick); color: var(--accent); font-weight: 600; }
.branches code { color: var(--muted); }
.history { display: grid; grid-template-columns: auto 1fr; align-items: start; }
svg.graph { display: block; }
svg.graph .edge { fill: none; stroke-width: 2; }
svg.graph circle.commit { stroke: #fff; stroke-width: 2; cursor: pointer; }
svg.graph circle.commit.selected { stroke: var(--fg); stroke-width: 2.5; }
.rows li { display: flex; align-items: center; gap: 8px; padding: 0 6px; white-space: nowrap; overflow: hidden; border-radius: 6px; }
.rows li.selected { background: var(--pick); }
.rows li button.open { display: flex; gap: 8px; align-items: center; flex: 1; min-width: 0; overflow: hidden; }
.rows .id { color: var(--accent); }
.rows .subject { overflow: hidden; text-overflow: ellipsis; }
.rows .meta { color: var(--muted); font-size: 12px; }
.label { font-size: 11px; padding: 0 6px; border-radius: 9px; background: #dbeafe; color: #1e40af; }
.more { margin-top: 10px; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; }
.breadcrumbs { margin-bottom: 8px; }
.breadcrumbs a { color: var(--accent); text-decoration: none; }
.breadcrumbs .sep { color: var(--muted); margin: 0 4px; }
.entries li { display: flex; justify-content: space-between; padding: 3px 8px; border-radius: 6px; }
.entries li:hover, .entries li.selected { background: var(--pick); }
.entries li.dir button { color: var(--accent); font-weight: 500; }
.entries .object-id { color: var(--muted); }
.panel { margin-bottom: 18px; }
.panel h3 { font-size: 13px; margin: 12px 0 6px; }
pre.value { margin: 0; padding: 8px 10px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; overflow: auto; max-height: 420px; white-space: pre-wrap; word-break: break-word; }
pre.value.binary { white-space: pre; word-break: normal; }
table.diff { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.diff col.kind { width: 22px; } table.diff col.path { width: 28%; }
table.diff th { text-align: left; color: var(--muted); font-weight: 500; font-size: 12px; padding: 4px; }
table.diff td { vertical-align: top; padding: 4px; border-top: 1px solid var(--line); }
table.diff td.kind { font-weight: 700; text-align: center; }
table.diff tr.added td.kind { color: #059669; } table.diff tr.removed td.kind { color: #dc2626; } table.diff tr.updated td.kind { color: #d97706; }
table.diff td.path { font-family: ui-monospace, Menlo, monospace; font-size: 12.5px; }
table.diff pre.value { max-height: 160px; }
.commit-info { color: var(--muted); margin: -4px 0 10px; }
.actions { display: flex; gap: 10px; margin-bottom: 8px; }
.actions button { color: var(--accent); }
.loading { padding: 20px; color: var(--muted); }
`
