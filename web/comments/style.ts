/** The book's typography: a serif text column, threads in the margin that fold, a quiet badge. */
export const COMMENTS_STYLE = `
:root { --ink: #2b2118; --muted: #7a6a58; --paper: #fbf7ef; --rule: #e4dacb; --accent: #8a3b12; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--paper); color: var(--ink);
  font: 19px/1.65 "Iowan Old Style", "Palatino Linotype", Palatino, "Book Antiqua", Georgia, serif; }
header.masthead { position: sticky; top: 0; z-index: 2; background: rgba(251,247,239,.96);
  border-bottom: 1px solid var(--rule); padding: .5rem 1.5rem; display: flex; gap: 1.5rem;
  align-items: baseline; flex-wrap: wrap; font-size: 15px; }
header .title { font-variant: small-caps; letter-spacing: .08em; font-size: 18px; margin-right: auto; }
nav.chapters a { color: var(--muted); text-decoration: none; margin-right: 1rem; }
nav.chapters a[aria-current="page"] { color: var(--ink); border-bottom: 2px solid var(--accent); }
.badge { font: 13px/1.4 system-ui, sans-serif; padding: .15rem .6rem; border-radius: 1rem;
  background: #e8f1e4; color: #2f5b22; white-space: nowrap; }
.badge[data-online="false"] { background: #f6e3d8; color: #8a3b12; }
.badge[data-syncing="true"]::after { content: " · syncing"; }
.reader { color: var(--muted); font-size: 14px; }
.reader button { font: inherit; color: var(--accent); background: none; border: 0; cursor: pointer; padding: 0; }
main { max-width: 46rem; margin: 2.5rem auto 6rem; padding: 0 1.5rem 0 4.5rem; }
h1 { font-weight: normal; font-size: 2rem; margin: 0 0 .2rem; }
h2 { font-weight: normal; font-style: italic; color: var(--muted); margin: 0 0 2rem; font-size: 1.2rem; }
section.para { position: relative; margin: 0 0 1.4rem; }
section.para > p { margin: 0; text-align: justify; hyphens: auto; }
button.count { position: absolute; left: -4rem; top: .2rem; width: 2.6rem; font: 13px/1.6 system-ui, sans-serif;
  color: var(--muted); background: none; border: 1px solid var(--rule); border-radius: .8rem; cursor: pointer; }
button.count[data-n="0"] { opacity: .45; }
button.count:not([data-n="0"]) { color: var(--accent); border-color: var(--accent); }
details.thread { margin: .5rem 0 0; font-size: 16px; border-left: 2px solid var(--rule); padding-left: 1rem; }
details.thread > summary { color: var(--muted); cursor: pointer; font-size: 14px; list-style: none; }
details.thread > summary::-webkit-details-marker { display: none; }
details.thread > summary::before { content: "▸ "; }
details.thread[open] > summary::before { content: "▾ "; }
ol.comments { list-style: none; margin: .4rem 0; padding: 0; }
ol.comments li { margin: 0 0 .7rem; }
.comment-meta { font: 12px/1.4 system-ui, sans-serif; color: var(--muted); }
.comment-meta .author { color: var(--ink); font-weight: 600; }
.comment-meta button { font: inherit; color: var(--accent); background: none; border: 0; cursor: pointer; margin-left: .4rem; }
.comment-text { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 20rem; overflow: auto; }
form.comment-form { display: grid; gap: .4rem; margin: .3rem 0 .6rem; }
form.comment-form textarea, form.comment-form input { font: 15px/1.5 inherit; font-family: inherit; padding: .4rem .5rem;
  border: 1px solid var(--rule); border-radius: .3rem; background: #fffdf8; color: var(--ink); }
form.comment-form textarea { min-height: 4.5rem; resize: vertical; }
form.comment-form button { justify-self: start; font: 14px system-ui, sans-serif; padding: .3rem .9rem;
  border: 1px solid var(--accent); border-radius: .3rem; background: var(--accent); color: #fff; cursor: pointer; }
.form-error { color: #a01d00; font: 13px/1.4 system-ui, sans-serif; }
.form-error:empty { display: none; }
.loading { text-align: center; color: var(--muted); margin-top: 5rem; }
`
