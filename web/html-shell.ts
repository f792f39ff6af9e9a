/** The HTML document every page of `irmin serve` sends: one shell, with its title, head and body. */
export function htmlShell(title: string, body: string, head = ''): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${title}</title>`,
    ...(head ? [head] : []),
    body,
    '</html>',
    '',
  ].join('\n')
}
