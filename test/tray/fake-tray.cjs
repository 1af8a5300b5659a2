// A stand-in for systray2's helper binary (tray_linux_release) speaking its JSON-lines protocol on stdio, for tests
// without a display. The test copies it to <cwd>/traybin/tray_linux_release (systray2 looks there first).
// FAKE_TRAY_DIR/menu.json: the menu as the helper would show it now (titles, enabled, icon sha256, tooltip).
// FAKE_TRAY_DIR/log.jsonl: every message received. FAKE_TRAY_DIR/clicks: append an item title per line to click it.
// FAKE_TRAY_MODE=silent never says ready; FAKE_TRAY_MODE=crash exits with code 3 at once.
const { appendFileSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { join } = require('node:path');
const readline = require('node:readline');

const dir = process.env.FAKE_TRAY_DIR;
const mode = process.env.FAKE_TRAY_MODE || '';
if (mode === 'crash') {
  process.stderr.write('fake tray: cannot open display\n');
  process.exit(3);
}

const log = (entry) => appendFileSync(join(dir, 'log.jsonl'), `${JSON.stringify(entry)}\n`);
let menu;
const save = () => {
  const view = {
    pid: process.pid,
    icon_sha256: createHash('sha256').update(Buffer.from(menu.icon || '', 'base64')).digest('hex'),
    tooltip: menu.tooltip,
    items: menu.items.map((item) => ({ id: item.__id, title: item.title, enabled: item.enabled !== false, hidden: Boolean(item.hidden) })),
  };
  writeFileSync(join(dir, 'menu.json.tmp'), JSON.stringify(view, null, 2));
  renameSync(join(dir, 'menu.json.tmp'), join(dir, 'menu.json'));
};

if (mode !== 'silent') process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);
let seq = 0;
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const message = JSON.parse(line);
  log(message.icon || message.menu ? { ...message, icon: undefined, menu: message.menu && { ...message.menu, icon: '<icon>' } } : message);
  if (!menu) {
    menu = message;
    save();
    return;
  }
  if (message.type === 'update-item') {
    const item = menu.items.find((candidate) => candidate.__id === message.item.__id);
    if (item) Object.assign(item, message.item);
  } else if (message.type === 'update-menu') {
    menu.icon = message.menu.icon;
    menu.tooltip = message.menu.tooltip;
    menu.title = message.menu.title;
  } else if (message.type === 'exit') {
    log({ type: 'exited' });
    process.exit(0);
  }
  save();
});
rl.on('close', () => process.exit(0));

// Clicks: titles appended to FAKE_TRAY_DIR/clicks. A disabled item ignores clicks, as a real menu does.
let handled = 0;
setInterval(() => {
  let lines;
  try {
    lines = readFileSync(join(dir, 'clicks'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return;
  }
  for (const title of lines.slice(handled)) {
    const item = menu && menu.items.find((candidate) => candidate.title === title);
    if (!item || item.enabled === false) {
      log({ type: 'click-ignored', title });
      continue;
    }
    process.stdout.write(`${JSON.stringify({ type: 'clicked', item: { title: item.title }, seq_id: seq++, __id: item.__id })}\n`);
  }
  handled = lines.length;
}, 50);
