/**
 * The inspector's stylesheet: a light theme, system fonts. Three columns that scroll on their
 * own on wide screens; below 1100 px the branches sit above the history, so 800 px still shows
 * history and commit side by side. Long lines wrap anywhere rather than widen a column.
 */
export const STYLE = `
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --panel: #f9fafb; --accent: #2563eb; --pick: #eff6ff;
  --add: #e6ffec; --add-mark: #abf2bc; --del: #ffebe9; --del-mark: #ffc1ba; --hunk: #f1f5f9; }
* { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
#app { display: flex; flex-direction: column; height: 100vh; }
code, pre, .lines, .hunks { font: 12.5px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header { flex: none; display: flex; align-items: baseline; gap: 12px; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { margin: 0; font-size: 17px; font-weight: 600; }
header .store, header .live { color: var(--muted); }
header .live { margin-left: auto; font-size: 12px; }
main { flex: 1; min-height: 0; display: grid; grid-template-columns: 190px minmax(0, 1.1fr) minmax(0, 1fr);
  grid-template-areas: "branches history detail"; }
main > section { min-width: 0; min-height: 0; padding: 12px 16px; border-right: 1px solid var(--line); overflow: auto; }
main > section:last-child { border-right: none; }
.branches-column { grid-area: branches; } .history-column { grid-area: history; } .detail-column { grid-area: detail; }
@media (max-width: 1100px) {
  main { grid-template-columns: minmax(0, 1fr) minmax(0, 1.15fr); grid-template-rows: auto minmax(0, 1fr);
    grid-template-areas: "branches detail" "history detail"; }
  .branches-column { max-height: 30vh; border-bottom: 1px solid var(--line); padding-bottom: 8px; }
  .branches-column h2 { display: none; }
  .branches { display: flex; flex-wrap: wrap; gap: 4px; }
  .branches li a { padding: 2px 8px; gap: 6px; }
  .branches code { display: none; }
  .rows .meta { display: none; }
  .detail-column { grid-row: 1 / span 2; }
}
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 4px 0 10px; font-weight: 600; }
h2 code { text-transform: none; letter-spacing: 0; color: var(--fg); }
button { font: inherit; color: inherit; background: none; border: none; padding: 0; cursor: pointer; text-align: left; }
ul, ol { list-style: none; margin: 0; padding: 0; }
.note { color: var(--muted); }
.error { color: #b91c1c; }
.branches li a { display: flex; justify-content: space-between; width: 100%; padding: 5px 8px; border-radius: 6px; color: var(--fg); }
.branches li a:hover { background: var(--panel); text-decoration: none; }
.branches li.selected a { background: var(--pick); color: var(--accent); font-weight: 600; }
.branches code { color: var(--muted); }
.history { display: grid; grid-template-columns: auto minmax(0, 1fr); align-items: start; }
svg.graph { display: block; }
svg.graph .edge { fill: none; stroke-width: 2; }
svg.graph circle.commit { stroke: #fff; stroke-width: 2; cursor: pointer; }
svg.graph circle.commit.selected { stroke: var(--fg); stroke-width: 2.5; }
.rows li { display: flex; align-items: center; gap: 8px; padding: 0 6px; white-space: nowrap; overflow: hidden; border-radius: 6px; }
.rows li.selected { background: var(--pick); }
.rows li a.open { display: flex; gap: 8px; align-items: center; flex: 1 0 50%; min-width: 0; overflow: hidden; color: var(--fg); }
.rows li a.open .id, .rows li a.open .label { flex: none; }
.rows li a.open:hover { text-decoration: none; }
.rows .id { color: var(--accent); }
.rows .subject { overflow: hidden; text-overflow: ellipsis; }
.rows .meta { color: var(--muted); font-size: 12px; flex: 0 1 auto; max-width: 40%; overflow: hidden; text-overflow: ellipsis; }
.label { font-size: 11px; padding: 0 6px; border-radius: 9px; background: #dbeafe; color: #1e40af; font-weight: 500; }
.more { margin-top: 10px; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; }
.panel { margin-bottom: 18px; }
.panel h3 { font-size: 13px; margin: 12px 0 6px; overflow-wrap: anywhere; }
.commit-details h3.subject { font-size: 15px; margin: 0 0 6px; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.commit-details pre.message { margin: 0 0 8px; white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; }
.commit-details dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 0; }
.commit-details dt { color: var(--muted); }
.commit-details dd { margin: 0; overflow-wrap: anywhere; }
.tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--line); margin-bottom: 12px; }
.tabs a.tab { padding: 6px 12px; color: var(--muted); border-bottom: 2px solid transparent; margin-bottom: -1px; }
.tabs a.tab.selected { color: var(--fg); border-bottom-color: var(--accent); font-weight: 600; }
.tabs a.tab:hover { text-decoration: none; color: var(--fg); }
.search input { width: 100%; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; margin-bottom: 10px; }
.search-results li { padding: 2px 8px; overflow-wrap: anywhere; font-family: ui-monospace, Menlo, monospace; font-size: 12.5px; }
.breadcrumbs { margin-bottom: 8px; overflow-wrap: anywhere; }
.breadcrumbs .sep { color: var(--muted); margin: 0 4px; }
.entries li { display: flex; justify-content: space-between; gap: 8px; padding: 3px 8px; border-radius: 6px; }
.entries li:hover, .entries li.selected { background: var(--pick); }
.entries li .name { min-width: 0; overflow-wrap: anywhere; color: var(--fg); }
.entries li.dir .name { color: var(--accent); font-weight: 500; }
.entries .object-id { color: var(--muted); }
.value.text { border: 1px solid var(--line); border-radius: 6px; background: var(--panel); overflow: auto; max-height: 70vh; }
table.lines, table.hunks { border-collapse: collapse; width: 100%; }
table.lines td, table.hunks td { padding: 0 8px; vertical-align: top; }
td.number { width: 1%; text-align: right; color: var(--muted); user-select: none; white-space: nowrap; }
td.number::before { content: attr(data-line); }
td.line, td.text { white-space: pre-wrap; overflow-wrap: anywhere; }
pre.value.binary { margin: 0; padding: 8px 10px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; overflow: auto; max-height: 420px; }
.image { padding: 8px; border: 1px solid var(--line); border-radius: 6px; background: repeating-conic-gradient(#f3f4f6 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
.image img { display: block; max-width: 100%; max-height: 60vh; min-width: 16px; image-rendering: pixelated; }
.images { display: flex; gap: 12px; flex-wrap: wrap; }
.images figure { margin: 0; }
.images figcaption { color: var(--muted); font-size: 12px; }
.diff .summary { margin: 0 0 8px; }
section.change { border: 1px solid var(--line); border-radius: 6px; margin-bottom: 12px; overflow: hidden; }
section.change > header { display: flex; gap: 8px; align-items: baseline; padding: 6px 10px; background: var(--panel); border-bottom: 1px solid var(--line); }
section.change > header .path { font-family: ui-monospace, Menlo, monospace; font-size: 12.5px; overflow-wrap: anywhere; min-width: 0; }
section.change > header .kind { font-weight: 700; font-family: ui-monospace, Menlo, monospace; }
section.change.added .kind { color: #059669; } section.change.removed .kind { color: #dc2626; } section.change.updated .kind { color: #d97706; }
section.change > header .stats { margin-left: auto; font-size: 12px; white-space: nowrap; }
.stats .plus { color: #059669; } .stats .minus { color: #dc2626; }
section.change > :not(header) { margin: 0; }
section.change > p.note, section.change > .images { padding: 8px 10px; }
tr.hunk-header td { background: var(--hunk); color: var(--muted); padding: 2px 8px; overflow-wrap: anywhere; }
.no-newline { color: #dc2626; user-select: none; }
tr.line.add td { background: var(--add); } tr.line.del td { background: var(--del); }
tr.line.add mark { background: var(--add-mark); color: inherit; } tr.line.del mark { background: var(--del-mark); color: inherit; }
table.hunks td.op { width: 1%; padding: 0 2px; color: var(--muted); user-select: none; }
.large-diff { padding: 8px 10px; }
.show-diff { color: var(--accent); }
.actions { display: flex; gap: 10px; margin-bottom: 8px; }
.loading { padding: 20px; color: var(--muted); }
`
