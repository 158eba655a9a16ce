#!/usr/bin/env bash
# Build the deterministic home directory used by tests/commands/dev.jsonl.
#
#   tests/commands/make-tree.sh HOME_DIR
#
# HOME_DIR is mounted at /home/dev inside the sandbox; project/ is the working
# directory of every task. Everything is deterministic except the modification
# times, which are set relative to "now" (captured once at the start) so that
# "changed in the last week" style requests have real answers.
set -euo pipefail
export LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=UTC
umask 022

if [ $# -ne 1 ]; then
  echo "usage: $0 HOME_DIR" >&2
  exit 2
fi
H=$1
if [ -e "$H" ] && [ -n "$(ls -A "$H" 2>/dev/null)" ]; then
  echo "make-tree: $H exists and is not empty" >&2
  exit 2
fi
mkdir -p "$H"
H=$(cd "$H" && pwd)
P=$H/project
NOW=$(date +%s)

# Git must not read the host's configuration.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Dev User" GIT_AUTHOR_EMAIL="dev@example.com"
export GIT_COMMITTER_NAME="Dev User" GIT_COMMITTER_EMAIL="dev@example.com"

# age PATH DAYS [MINUTES]: set mtime (and atime) to DAYS days (+MINUTES) before NOW.
age() {
  local t=$((NOW - $2 * 86400 - ${3:-0} * 60))
  touch -h -d "@$t" "$1"
}

w() { # w PATH  (content from stdin)
  mkdir -p "$(dirname "$1")"
  cat > "$1"
}

# ---------------------------------------------------------------- home
w "$H/.bashrc" <<'EOF'
# ~/.bashrc: executed by bash for non-login shells.
case $- in
    *i*) ;;
      *) return;;
esac

HISTSIZE=5000
HISTFILESIZE=10000
HISTCONTROL=ignoreboth
shopt -s histappend

export EDITOR=vim
export PATH="$HOME/.local/bin:$HOME/.cargo/bin:$PATH"

alias ll='ls -alF'
alias la='ls -A'
alias gs='git status'
alias gd='git diff'
alias k='kubectl'

PS1='\u@\h:\w\$ '
EOF
w "$H/.profile" <<'EOF'
# ~/.profile: executed by the command interpreter for login shells.
if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then
    . "$HOME/.bashrc"
fi
export LANG=en_US.UTF-8
EOF
w "$H/.gitconfig" <<'EOF'
[user]
	name = Dev User
	email = dev@example.com
[init]
	defaultBranch = main
[core]
	editor = vim
[alias]
	st = status
	co = checkout
	lg = log --oneline --graph
EOF
w "$H/notes.txt" <<'EOF'
Things to remember
- renew TLS certificate for staging before Dec 20
- ask Alice about the export feature branch
- dentist appointment: Tuesday 9:30
- backup password manager vault
- read the tokio book chapter on cancellation
EOF
w "$H/todo.md" <<'EOF'
# TODO

- [x] set up laptop
- [ ] finish quarterly report
- [ ] review pull request #42
- [x] update rust toolchain
- [ ] clean up Downloads folder
EOF
mkdir -p "$H/.ssh" "$H/.config/app" "$H/.local/bin" "$H/Documents/letters" "$H/Documents/taxes/2025" "$H/Downloads"
w "$H/.ssh/config" <<'EOF'
Host staging
    HostName staging.example.internal
    User deploy
    Port 2222

Host github.com
    IdentityFile ~/.ssh/id_ed25519
EOF
chmod 700 "$H/.ssh"
chmod 644 "$H/.ssh/config"   # too open, on purpose
w "$H/.config/app/settings.ini" <<'EOF'
[general]
theme = dark
language = en
autosave = true

[network]
timeout = 30
retries = 3
EOF
w "$H/.local/bin/hello" <<'EOF'
#!/bin/sh
echo "hello from ~/.local/bin"
EOF
chmod 755 "$H/.local/bin/hello"
w "$H/Documents/resume.md" <<'EOF'
# Dev User

Software engineer, 8 years of experience with Rust, Python and Go.

## Experience
- 2022-now: Backend engineer at Example Corp
- 2018-2022: Developer at Widgets Ltd
EOF
w "$H/Documents/letters/cover-letter.txt" <<'EOF'
Dear hiring manager,

I am writing to apply for the position of senior backend engineer.
I have worked with distributed systems for several years.

Kind regards,
Dev User
EOF
w "$H/Documents/taxes/2025/summary.txt" <<'EOF'
income: 84000
deductions: 3200
refund: 410
EOF
w "$H/Documents/meeting-2026-11-30.md" <<'EOF'
# Planning meeting 2026-11-30

Attendees: Alice, Bob, Dev
- ship v0.2.0 before the holidays
- Bob owns the migration script
EOF

# Downloads
printf '%%PDF-1.4\n%% fake report\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' > "$H/Downloads/report-2026.pdf"
awk 'BEGIN { s = 7; for (i = 0; i < 24000; i++) { s = (s * 16807) % 2147483647; printf "%c", 65 + s % 26 } }' > "$H/Downloads/photo_001.jpg"
awk 'BEGIN { s = 11; for (i = 0; i < 31000; i++) { s = (s * 16807) % 2147483647; printf "%c", 97 + s % 26 } }' > "$H/Downloads/photo_002.jpg"
awk 'BEGIN { s = 5; for (i = 0; i < 180000; i++) { s = (s * 16807) % 2147483647; printf "%c", 48 + s % 10 } }' > "$H/Downloads/music.mp3"
w "$H/Downloads/data export.csv" <<'EOF'
id,name,email,signup
1,Ann Lee,ann@example.com,2026-01-04
2,Bo Park,bo@example.com,2026-02-11
3,Cy Diaz,cy@example.com,2026-03-19
EOF
w "$H/Downloads/installer.sh" <<'EOF'
#!/bin/bash
echo "installing tool..."
EOF
chmod 644 "$H/Downloads/installer.sh"
SETUP=$(mktemp -d)
mkdir -p "$SETUP/setup-tool/bin"
printf '#!/bin/sh\necho "setup-tool installed"\n' > "$SETUP/setup-tool/install.sh"
printf 'setup-tool 1.4.2\nRun ./install.sh to install.\n' > "$SETUP/setup-tool/README"
printf '#!/bin/sh\necho tool 1.4.2\n' > "$SETUP/setup-tool/bin/tool"
chmod 755 "$SETUP/setup-tool/install.sh" "$SETUP/setup-tool/bin/tool"
tar --sort=name --mtime='2026-10-01 00:00:00Z' --owner=0 --group=0 --numeric-owner \
  -C "$SETUP" -cf - setup-tool | gzip -n -9 > "$H/Downloads/setup-tool.tar.gz"
mkdir -p "$SETUP/old-backup"
printf 'alpha\n' > "$SETUP/old-backup/a.txt"
printf 'beta\n' > "$SETUP/old-backup/b.txt"
printf 'contacts: 14\n' > "$SETUP/old-backup/contacts.txt"
find "$SETUP/old-backup" -exec touch -d '2025-06-01 12:00:00Z' {} +
(cd "$SETUP" && zip -X -q -r "$H/Downloads/old-backup.zip" old-backup)
rm -rf "$SETUP"

# ---------------------------------------------------------------- project
mkdir -p "$P"
cd "$P"

w Cargo.toml <<'EOF'
[package]
name = "inventory-service"
version = "0.1.0"
edition = "2021"

[dependencies]
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["full"] }
log = "0.4"

[dev-dependencies]
tempfile = "3"
EOF
w README.md <<'EOF'
# inventory-service

A small service that tracks stock levels for the warehouse.

## Building

    cargo build --release

## Running

    ./scripts/deploy.sh staging

See docs/guide.md for configuration and docs/api.md for the HTTP API.
TODO: document the export endpoint.
EOF
w CHANGELOG.md <<'EOF'
# Changelog

## [0.1.0] - 2026-11-18
### Added
- inventory API
- config loader
- web frontend

## [0.0.1] - 2026-11-02
### Added
- initial project skeleton
EOF
w LICENSE <<'EOF'
MIT License

Copyright (c) 2026 Dev User

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction.
EOF
w .gitignore <<'EOF'
/target
build/
logs/
*.tmp
.env
node_modules/
__pycache__/
EOF
w .editorconfig <<'EOF'
root = true

[*]
indent_style = space
indent_size = 4
end_of_line = lf
EOF
w .env <<'EOF'
DATABASE_URL=postgres://app:app@localhost:5432/inventory
RUST_LOG=info
PORT=8080
EOF
w .github/workflows/ci.yml <<'EOF'
name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: cargo test --all
EOF

w src/main.rs <<'EOF'
use inventory_service::config::Config;
use inventory_service::api::routes;

fn main() {
    let config = Config::load("config/settings.json").expect("config");
    println!("starting on port {}", config.port);
    // TODO: graceful shutdown
    routes::serve(&config);
}
EOF
w src/lib.rs <<'EOF'
pub mod api;
pub mod config;
pub mod db;
pub mod utils;

pub const VERSION: &str = "0.1.0";
EOF
w src/config.rs <<'EOF'
use std::fs;

#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    pub database_url: String,
    pub max_connections: u32,
}

impl Config {
    pub fn load(path: &str) -> Result<Config, String> {
        let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
        // FIXME: parse real JSON instead of this stub
        let _ = text;
        Ok(Config { port: 8080, database_url: String::new(), max_connections: 16 })
    }
}
EOF
w src/db/mod.rs <<'EOF'
pub mod models;

pub fn connect(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Err("empty database url".to_string());
    }
    Ok(())
}
EOF
printf '// helpers below are used by the api layer   \n\t\n' >> src/db/mod.rs
w src/db/models.rs <<'EOF'
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: u64,
    pub sku: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Warehouse {
    pub id: u64,
    pub name: String,
}

impl Item {
    pub fn new(id: u64, sku: &str) -> Item {
        Item { id, sku: sku.to_string(), quantity: 0 }
    }
}
EOF
w src/api/mod.rs <<'EOF'
pub mod handlers;
pub mod routes;
EOF
w src/api/handlers.rs <<'EOF'
use crate::db::models::Item;

pub fn list_items() -> Vec<Item> {
    // TODO: read from the database
    vec![Item::new(1, "A-100"), Item::new(2, "B-200")]
}

pub fn get_item(id: u64) -> Option<Item> {
    list_items().into_iter().find(|i| i.id == id)
}

pub fn delete_item(id: u64) -> Result<(), String> {
    // FIXME: not implemented
    Err(format!("cannot delete {}", id))
}
EOF
w src/api/routes.rs <<'EOF'
use crate::config::Config;

pub fn serve(config: &Config) {
    println!("GET /items");
    println!("GET /items/:id");
    println!("DELETE /items/:id");
    let _ = config;
}
EOF
w src/utils/mod.rs <<'EOF'
pub mod strings;
EOF
w src/utils/strings.rs <<'EOF'
pub fn slugify(s: &str) -> String {
    s.to_lowercase().replace(' ', "-")
}

pub fn truncate(s: &str, n: usize) -> &str {
    if s.len() <= n { s } else { &s[..n] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug() {
        assert_eq!(slugify("Hello World"), "hello-world");
    }
}
EOF
w tests/integration_test.rs <<'EOF'
use inventory_service::db::models::Item;

#[test]
fn new_item_has_zero_quantity() {
    let item = Item::new(7, "Z-1");
    assert_eq!(item.quantity, 0);
}
EOF

w scripts/deploy.sh <<'EOF'
#!/bin/bash
set -euo pipefail
ENV=${1:-staging}
echo "deploying to $ENV"
cargo build --release
rsync -a target/release/inventory-service "deploy@$ENV:/opt/inventory/"
EOF
w scripts/backup.sh <<'EOF'
#!/bin/bash
# nightly database backup
STAMP=$(date +%F)
pg_dump inventory > "/var/backups/inventory-$STAMP.sql"
EOF
w scripts/cleanup.sh <<'EOF'
#!/bin/bash
# remove build junk
rm -rf build/*.tmp
EOF
w scripts/analyze.py <<'EOF'
#!/usr/bin/env python3
"""Summarise sales.csv by region."""
import csv
import sys
from collections import defaultdict


def main(path):
    totals = defaultdict(float)
    with open(path) as f:
        for row in csv.DictReader(f):
            totals[row["region"]] += int(row["units"]) * float(row["price"])
    for region, total in sorted(totals.items()):
        print(f"{region}: {total:.2f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/sales.csv")
EOF
w scripts/migrate.py <<'EOF'
import os
import sqlite3

# TODO: move to alembic
MIGRATIONS = ["001_init.sql", "002_items.sql", "003_warehouses.sql"]


def run(db):
    for name in MIGRATIONS:
        print("applying", name)
EOF
w tools/__init__.py </dev/null
w tools/report.py <<'EOF'
import json
from tools.helpers.format_utils import money


def build_report(rows):
    # TODO: add totals per month
    return [money(r["amount"]) for r in rows]


def save(rows, path):
    with open(path, "w") as f:
        json.dump(build_report(rows), f)
EOF
w tools/helpers/__init__.py </dev/null
w tools/helpers/format_utils.py <<'EOF'
def money(x):
    return f"${x:,.2f}"


def percent(x):
    return f"{x * 100:.1f}%"
EOF
w tools/helpers/legacy/convert_v1.py <<'EOF'
# Old converter kept for reference. Do not use.
import sys

for line in sys.stdin:
    print(line.strip().upper())
EOF

w web/index.html <<'EOF'
<!DOCTYPE html>
<html>
<head>
  <title>Inventory</title>
  <link rel="stylesheet" href="style.css">
</head>
<body>
  <div id="app"></div>
  <script src="app.js"></script>
</body>
</html>
EOF
w web/style.css <<'EOF'
body { font-family: sans-serif; margin: 0; }
#app { padding: 1rem; }
.button { color: #fff; background: #0366d6; }
EOF
w web/app.js <<'EOF'
import { formatDate } from './utils.js';
import Header from './components/Header.js';

const API_URL = 'http://localhost:8080';

async function loadItems() {
  const res = await fetch(`${API_URL}/items`);
  console.log('loaded items');
  return res.json();
}

// TODO: handle errors
loadItems().then(items => console.log(items.length, formatDate(new Date())));
EOF
w web/utils.js <<'EOF'
export function formatDate(d) {
  return d.toISOString().slice(0, 10);
}

export function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}
EOF
w web/components/Header.js <<'EOF'
export default function Header(title) {
  console.log('render header');
  return `<h1>${title}</h1>`;
}
EOF
w web/components/Button.js <<'EOF'
export default function Button(label) {
  return `<button class="button">${label}</button>`;
}
EOF
w web/package.json <<'EOF'
{
  "name": "inventory-web",
  "version": "0.1.0",
  "private": true,
  "scripts": {
    "build": "esbuild app.js --bundle --outfile=dist/app.js",
    "test": "node --test"
  },
  "devDependencies": {
    "esbuild": "^0.20.0"
  }
}
EOF

w docs/guide.md <<'EOF'
# User guide

## Configuration

The service reads `config/settings.json`. The most important keys are
`port`, `database_url` and `max_connections`.

## Logging

Logs are written to `logs/app.log`. Set `RUST_LOG=debug` for more detail.
EOF
w docs/api.md <<'EOF'
# HTTP API

| Method | Path        | Description     |
|--------|-------------|-----------------|
| GET    | /items      | list all items  |
| GET    | /items/:id  | get one item    |
| DELETE | /items/:id  | delete an item  |
EOF
w docs/design/architecture.md <<'EOF'
# Architecture

The service has three layers: api, db and utils.
TODO: add a diagram of the request flow.
EOF
w docs/design/diagrams/flow.txt <<'EOF'
client -> api -> db
client <- api <- db
EOF
w docs/design/diagrams/old/flow-v0.txt <<'EOF'
client -> db
EOF

w "notes/meeting notes.txt" <<'EOF'
2026-11-20 standup
- Alice: frontend done
- Bob: migration blocked on db access
- Dev: config loader bug
EOF
w "notes/todo list.txt" <<'EOF'
fix config parser
write export endpoint
add CI cache
EOF
w notes/ideas.txt <<'EOF'
cache item lookups
use sqlite for local dev
add prometheus metrics
add a health check endpoint
EOF
: > notes/empty.txt

w config/settings.json <<'EOF'
{
  "port": 8080,
  "host": "0.0.0.0",
  "database_url": "postgres://app@localhost:5432/inventory",
  "max_connections": 16,
  "features": {
    "export": false,
    "metrics": true
  },
  "log_level": "info"
}
EOF
w config/app.yaml <<'EOF'
server:
  port: 8080
  workers: 4
database:
  pool: 16
  timeout: 30
EOF
w config/dev.env <<'EOF'
RUST_LOG=debug
PORT=3000
EOF
w config/secrets.env <<'EOF'
API_KEY=sk-test-000000000000
DB_PASSWORD=hunter2
EOF
chmod 600 config/secrets.env

# data
mkdir -p data
{
  echo "date,region,product,units,price"
  awk 'BEGIN {
    split("north south east west", R, " ");
    split("widget gadget gizmo doohickey", Q, " ");
    split("2.50 7.25 12.00 3.75", C, " ");
    s = 42;
    for (i = 0; i < 60; i++) {
      s = (s * 16807) % 2147483647; r = R[1 + s % 4];
      s = (s * 16807) % 2147483647; p = 1 + s % 4;
      s = (s * 16807) % 2147483647; u = 1 + s % 40;
      printf "2026-%02d-%02d,%s,%s,%d,%s\n", 9 + int(i / 20), 1 + (i % 20) + int(i / 20), r, Q[p], u, C[p];
    }
  }'
} > data/sales.csv
w data/users.json <<'EOF'
[
  {"id": 1, "name": "alice", "role": "admin", "active": true},
  {"id": 2, "name": "bob", "role": "dev", "active": true},
  {"id": 3, "name": "carol", "role": "dev", "active": false},
  {"id": 4, "name": "dave", "role": "ops", "active": true}
]
EOF
printf 'sku\tname\tqty\tlocation\nA-100\tbolt\t250\tshelf-1\nB-200\tnut\t900\tshelf-1\nC-300\twasher\t0\tshelf-2\nD-400\tscrew\t125\tshelf-3\nE-500\tanchor\t0\tshelf-3\n' > data/inventory.tsv
awk 'BEGIN {
  print "timestamp,sensor,temperature,humidity";
  s = 1;
  for (i = 0; i < 16000; i++) {
    s = (s * 16807) % 2147483647; t = 15 + (s % 200) / 10;
    s = (s * 16807) % 2147483647; h = 30 + s % 50;
    printf "%d,sensor-%02d,%.1f,%d\n", 1764547200 + i * 60, i % 12, t, h;
  }
}' > data/measurements.csv
: > data/placeholder.csv
w data/dump.sql <<'EOF'
-- database dump
CREATE TABLE items (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, quantity INTEGER);
EOF
awk 'BEGIN { for (i = 1; i <= 2500; i++) printf "INSERT INTO items VALUES (%d, '"'"'SKU-%05d'"'"', %d);\n", i, i, (i * 37) % 500 }' >> data/dump.sql

mkdir -p assets
head -c 1572864 /dev/zero > assets/disk.img
printf '\x89PNG\r\n\x1a\n' > assets/logo.png
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "%c", 32 + (i * 7) % 90 }' >> assets/logo.png
printf 'GIF89a' > assets/spinner.gif

# logs (ignored by git)
mkdir -p logs/old
awk 'BEGIN {
  split("10.0.0.5 10.0.0.7 192.168.1.20 192.168.1.34 172.16.0.3 203.0.113.9 198.51.100.14 10.0.0.12", IP, " ");
  split("/ /items /items/1 /items/2 /login /health /static/app.js /admin /api/export /favicon.ico", PATH, " ");
  split("GET GET GET GET POST GET GET GET DELETE GET", M, " ");
  split("200 200 200 200 200 200 304 404 500 301 200 403", CODE, " ");
  split("Nov Nov Nov Dec Dec Dec Dec", MON, " ");
  split("28 29 30 01 02 03 04", DAY, " ");
  s = 2026;
  for (i = 0; i < 1400; i++) {
    s = (s * 16807) % 2147483647; ip = IP[1 + s % 8];
    s = (s * 16807) % 2147483647; p = 1 + s % 10;
    s = (s * 16807) % 2147483647; c = CODE[1 + s % 12];
    s = (s * 16807) % 2147483647; b = 200 + s % 5000;
    d = 1 + int(i / 200);
    sec = (i % 200) * 432;
    printf "%s - - [%s/%s/2026:%02d:%02d:%02d +0000] \"%s %s HTTP/1.1\" %s %d \"-\" \"curl/8.5.0\"\n", ip, DAY[d], MON[d], int(sec / 3600), int(sec / 60) % 60, sec % 60, M[p], PATH[p], c, b;
  }
}' > logs/access.log
awk 'BEGIN {
  split("INFO INFO INFO WARN INFO ERROR INFO WARN INFO INFO", L, " ");
  split("db api config cache auth", MOD, " ");
  split("request handled|connection pool exhausted|slow query took 1200ms|cache miss for key items|user login ok|connection timeout after 30s|config reloaded|retrying request|token refreshed|health check ok", MSG, "|");
  s = 99;
  for (i = 0; i < 500; i++) {
    s = (s * 16807) % 2147483647; k = 1 + s % 10;
    s = (s * 16807) % 2147483647; m = MOD[1 + s % 5];
    d = 1 + int(i / 100);
    sec = (i % 100) * 863;
    lvl = L[k];
    if (lvl == "ERROR") msg = MSG[6]; else if (lvl == "WARN") msg = (s % 2 ? MSG[2] : MSG[3]); else msg = MSG[(s % 2 ? 1 : (s % 3 ? 5 : 10))];
    printf "2026-12-%02d %02d:%02d:%02d %-5s [%s] %s\n", d, int(sec / 3600), int(sec / 60) % 60, sec % 60, lvl, m, msg;
  }
}' > logs/app.log
grep -E ' (ERROR|WARN) ' logs/app.log > logs/error.log
: > logs/debug.log
printf '2025-01-03 10:00:00 INFO  [api] started\n2025-01-03 10:05:00 ERROR [db] disk full\n' | gzip -n > logs/old/app-2025-01.log.gz
printf '2025-02-11 08:00:00 INFO  [api] started\n2025-02-11 08:30:00 WARN  [cache] eviction storm\n2025-02-11 09:00:00 INFO  [api] stopped\n' | gzip -n > logs/old/app-2025-02.log.gz
ln -s logs/app.log latest.log
ln -s drafts/guide-v2.md docs/latest-draft   # dangling on purpose

# build junk (ignored)
mkdir -p build/obj/deep build/empty
printf 'OBJ main\n' > build/main.o
printf 'OBJ util\n' > build/util.o
printf 'OBJ deep\n' > build/obj/deep/parser.o
printf 'cache\n' > build/cache.tmp
printf 'link step\n' > build/link.tmp
printf 'scratch\n' > build/obj/scratch.tmp
printf 'compiling main.c\ncompiling util.c\nwarning: unused variable x\nlinking app\n' > build/output.log
: > build/.keep
chmod 775 build/obj build/main.o

# shared + empty dir
mkdir -p shared tmp
printf 'anyone can write here\n' > shared/dropbox.txt
chmod 777 shared/dropbox.txt
printf 'team calendar export\n' > shared/calendar.ics

# archives
A=$(mktemp -d)
mkdir -p "$A/docs-v1.0"
cp README.md "$A/docs-v1.0/README.md"
cp docs/guide.md docs/api.md "$A/docs-v1.0/"
mkdir -p releases backups
tar --sort=name --mtime='2026-11-18 12:00:00Z' --owner=0 --group=0 --numeric-owner \
  -C "$A" -cf - docs-v1.0 | gzip -n -9 > releases/docs-v1.0.tar.gz
mkdir -p "$A/config"
cp config/settings.json config/app.yaml config/dev.env "$A/config/"
find "$A/config" -exec touch -d '2026-11-10 09:00:00Z' {} +
(cd "$A" && zip -X -q -r "$P/backups/config-backup.zip" config)
rm -rf "$A"
printf 'v1.0 release notes\n- first public release\n' > releases/NOTES.txt

chmod 755 scripts/deploy.sh scripts/backup.sh scripts/analyze.py
chmod 644 scripts/cleanup.sh scripts/migrate.py

# ---------------------------------------------------------------- git history
git -c init.defaultBranch=main init -q .
commit() { # commit DATE MESSAGE [AUTHOR_NAME AUTHOR_EMAIL]
  local d=$1 m=$2
  GIT_AUTHOR_DATE="$d" GIT_COMMITTER_DATE="$d" \
  GIT_AUTHOR_NAME="${3:-Dev User}" GIT_AUTHOR_EMAIL="${4:-dev@example.com}" \
    git commit -q -m "$m"
}
git add Cargo.toml README.md LICENSE .gitignore .editorconfig src/lib.rs src/main.rs
commit '2026-11-02T09:00:00+00:00' 'Initial commit'
git add src tests Cargo.toml config .github
commit '2026-11-10T14:30:00+00:00' 'Add config loader and database models'
git add web docs CHANGELOG.md
commit '2026-11-18T11:15:00+00:00' 'Add web frontend and docs' 'Alice Chen' 'alice@example.com'
git tag v0.1.0
git add -A
commit '2026-11-25T16:45:00+00:00' 'Add scripts, tools and sample data'
git checkout -q -b feature/export
printf '\npub fn export_csv() -> String {\n    String::from("sku,quantity\\n")\n}\n' >> src/api/handlers.rs
git add src/api/handlers.rs
commit '2026-11-28T10:00:00+00:00' 'WIP: export items as CSV' 'Alice Chen' 'alice@example.com'
git checkout -q main
printf '\n## Contributing\n\nOpen a pull request against main.\n' >> README.md
git add README.md
commit '2026-12-01T08:20:00+00:00' 'Document contributing workflow'
# one uncommitted modification and one untracked file
sed -i 's/max_connections: 16/max_connections: 32/' src/config.rs
printf 'try the new parser on staging\n' > notes/scratch.txt
git gc -q --prune=now 2>/dev/null || true

# ---------------------------------------------------------------- mtimes
# Default: everything 45 days old, then specific files newer/older.
find "$H" -path "$P/.git" -prune -o -exec touch -h -d "@$((NOW - 45 * 86400))" {} +
for f in logs/old/app-2025-01.log.gz logs/old/app-2025-02.log.gz docs/design/diagrams/old/flow-v0.txt \
         tools/helpers/legacy/convert_v1.py LICENSE; do age "$f" 400; done
for f in "$H/Downloads/old-backup.zip" "$H/Documents/letters/cover-letter.txt" "$H/Documents/taxes/2025/summary.txt"; do age "$f" 400; done
n=0
for f in Cargo.toml src/lib.rs src/db/models.rs src/api/routes.rs docs/guide.md docs/api.md web/app.js web/index.html \
         scripts/migrate.py data/users.json CHANGELOG.md; do
  age "$f" 10 "$n"; n=$((n + 7))
done
n=0
for f in src/config.rs README.md src/api/handlers.rs notes/scratch.txt logs/app.log logs/error.log logs/access.log \
         data/sales.csv "notes/meeting notes.txt" scripts/deploy.sh build/cache.tmp build/link.tmp; do
  age "$f" 2 "$n"; n=$((n + 13))
done
age "$H/notes.txt" 2 5
age "$H/todo.md" 10 3
age "$H/Downloads/report-2026.pdf" 2 40
age "$H/Downloads/setup-tool.tar.gz" 10 20
age "$H/Downloads/data export.csv" 10 50
age "$H/Documents/meeting-2026-11-30.md" 10 90
# git internals: 20 days old, so "changed this week" only finds real edits
find "$P/.git" -exec touch -h -d "@$((NOW - 20 * 86400))" {} +
# directories last so their mtimes are not disturbed by the file edits above
find "$H" -path "$P/.git" -prune -o -type d -exec touch -d "@$((NOW - 1 * 86400))" {} +
touch -h -d "@$((NOW - 1 * 86400))" latest.log
