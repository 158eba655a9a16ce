#!/usr/bin/env python3
"""Execution-checked scoring of shell-command predictions.

Modes:
  check.py requests --tasks tests/commands/dev.jsonl --out REQ.jsonl
  check.py score    --tasks tests/commands/dev.jsonl --predictions PRED.jsonl
                    [--report OUT.json] [--show-failures N] [--jobs 2]
  check.py selftest --tasks tests/commands/dev.jsonl [--report OUT.json]

Every command runs as `bash -c CMD` inside a bubblewrap sandbox (no network,
fresh PID namespace, uid/gid 1000 named dev) over a fresh `cp -a` copy of a
home tree built once per run by tests/commands/make-tree.sh. Reference and
prediction are compared by stdout and by the resulting state (files, git
summary, surviving background processes). See tests/commands/README.md.
Python 3 standard library only.
"""
import argparse
import collections
import concurrent.futures
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAKE_TREE = os.path.join(REPO, "tests", "commands", "make-tree.sh")
HOME_IN = "/home/dev"
CWD_IN = "/home/dev/project"
TIMEOUT_S = 10
STDOUT_CAP = 1 << 20
SHOW_CAP = 2000

ENV = [
    ("HOME", HOME_IN), ("USER", "dev"), ("LOGNAME", "dev"),
    ("PATH", "/usr/local/bin:/usr/bin:/bin"), ("LANG", "C.UTF-8"),
    ("LC_ALL", "C.UTF-8"), ("TZ", "UTC"),
    # Fixed commit dates make commit hashes (and so the output of git commit,
    # stash, revert, ...) identical between the reference and the prediction.
    ("GIT_AUTHOR_DATE", "2026-12-07T12:00:00+00:00"),
    ("GIT_COMMITTER_DATE", "2026-12-07T12:00:00+00:00"),
]

# Runs inside the sandbox as `bash /opt/sbx/run.sh` (PID 1); the command is
# read from /opt/cmd so that it does not show up in the wrapper's argv. Starts the known
# background processes, runs the command, then writes the post-run state
# (exit code, surviving processes, git summary) to fd 3.
RUN_SH = r'''umask 022
ulimit -f 40960 2>/dev/null
mkfifo /run/sbx/hold
exec 7<>/run/sbx/hold
sleep 300 </dev/null >/dev/null 2>&1 7>&- &
sleep 300 </dev/null >/dev/null 2>&1 7>&- &
/opt/sbx/bin/worker --queue emails <&7 >/dev/null 2>&1 &
/opt/sbx/bin/worker --queue reports <&7 >/dev/null 2>&1 &
/opt/sbx/bin/devserver --port 8080 <&7 >/dev/null 2>&1 &
ready() {
  local n=0 p c
  for p in /proc/[0-9]*; do
    read -r c < "$p/comm" 2>/dev/null || continue
    case $c in sleep|worker|devserver) n=$((n + 1));; esac
  done
  [ "$n" -ge 5 ]
}
i=0
until ready || [ $i -ge 2000 ]; do i=$((i + 1)); done
cd /home/dev/project
CMD=$(< /opt/cmd)
bash -c "$CMD" </dev/null 7>&- 3>&-
rc=$?
exec 7>&-
cd /
{
  echo "rc=$rc"
  echo "== processes"
  sleep 0.3
  # no forks while scanning /proc, so only the command's leftovers show up
  out=()
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = 1 ] && continue
    read -r stline < "$p/stat" 2>/dev/null || continue
    st=${stline##*) }; st=${st%% *}
    case $st in Z|X|"") continue;; esac
    read -r c < "$p/comm" 2>/dev/null || continue
    mapfile -d '' -t a < "$p/cmdline" 2>/dev/null
    out+=("$c|${a[*]}")
  done
  [ ${#out[@]} -gt 0 ] && printf '%s\n' "${out[@]}" | sort
  if [ -d /home/dev/project/.git ] && cd /home/dev/project 2>/dev/null; then
    echo "== git status";  git status --porcelain 2>&1
    echo "== git branch";  git branch --list 2>&1
    echo "== git current"; git branch --show-current 2>&1
    echo "== git log";     git log --all --format='%s|%an' 2>&1
    echo "== git tags";    git tag --list 2>&1
    echo "== git stash";   git stash list 2>&1
    echo "== git cached";  git diff --cached 2>&1
  else
    echo "== no git repository"
  fi
} >&3 2>/dev/null
exit $rc
'''

WORKER_SH = "#!/bin/bash\nread -r _\n"
DEVSERVER_SH = "#!/bin/bash\nread -r _\n"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def load_jsonl(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{n}: bad JSON: {e}")
    return out


# ------------------------------------------------------------------ sandbox

class Sandbox:
    def __init__(self, workdir):
        self.workdir = workdir
        self.template = os.path.join(workdir, "template")
        etc = os.path.join(workdir, "etc")
        os.makedirs(etc)
        self.passwd = os.path.join(etc, "passwd")
        self.group = os.path.join(etc, "group")
        self.empty = os.path.join(etc, "empty")
        with open(self.passwd, "w") as f:
            f.write("root:x:0:0:root:/root:/bin/bash\n"
                    "dev:x:1000:1000:Dev User:/home/dev:/bin/bash\n"
                    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
        with open(self.group, "w") as f:
            f.write("root:x:0:\ndev:x:1000:\nnogroup:x:65534:\n")
        open(self.empty, "w").close()
        sbx = os.path.join(workdir, "sbx")
        os.makedirs(os.path.join(sbx, "bin"))
        for name, text in (("run.sh", RUN_SH), ("bin/worker", WORKER_SH),
                           ("bin/devserver", DEVSERVER_SH)):
            p = os.path.join(sbx, name)
            with open(p, "w") as f:
                f.write(text)
            os.chmod(p, 0o755)
        self.sbx = sbx
        self.counter = 0
        self.lock = threading.Lock()

    def build_template(self):
        r = subprocess.run(["bash", MAKE_TREE, self.template],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise SystemExit("make-tree.sh failed:\n" + r.stdout.decode(errors="replace"))

    def bwrap_args(self, home, cmdfile):
        a = ["bwrap", "--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000",
             "--die-with-parent", "--new-session", "--as-pid-1", "--hostname", "devbox", "--clearenv"]
        for k, v in ENV:
            a += ["--setenv", k, v]
        a += ["--ro-bind", "/usr", "/usr"]
        for d in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = "/" + d
            if os.path.islink(p):
                a += ["--symlink", os.readlink(p), p]
            elif os.path.isdir(p):
                a += ["--ro-bind", p, p]
        a += ["--ro-bind", "/etc", "/etc",
              "--ro-bind", self.passwd, "/etc/passwd",
              "--ro-bind", self.group, "/etc/group"]
        if os.path.exists("/etc/gitconfig"):
            a += ["--ro-bind", self.empty, "/etc/gitconfig"]
        a += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
              "--tmpfs", "/run", "--dir", "/run/sbx",
              "--ro-bind", self.sbx, "/opt/sbx",
              "--ro-bind", cmdfile, "/opt/cmd",
              "--bind", home, HOME_IN, "--chdir", CWD_IN]
        return a

    def run(self, cmd):
        """Run cmd in a fresh copy of the template. Returns a result dict."""
        with self.lock:
            self.counter += 1
            n = self.counter
        rundir = os.path.join(self.workdir, f"run{n}")
        os.makedirs(rundir)
        home = os.path.join(rundir, "home")
        try:
            subprocess.run(["cp", "-a", self.template, home], check=True)
            cmdfile = os.path.join(rundir, "cmd")
            with open(cmdfile, "w", encoding="utf-8") as f:
                f.write(cmd)
            out_path = os.path.join(rundir, "stdout")
            err_path = os.path.join(rundir, "stderr")
            st_path = os.path.join(rundir, "state")
            t0 = time.monotonic()
            timed_out = False
            with open(out_path, "wb") as fo, open(err_path, "wb") as fe, \
                    open(os.devnull, "rb") as fi:
                # the state file must be fd 3 in the child
                args = (["sh", "-c", 'exec 3>"$0"; exec "$@"', st_path]
                        + self.bwrap_args(home, cmdfile) + ["bash", "/opt/sbx/run.sh"])
                p = subprocess.Popen(args, stdin=fi, stdout=fo, stderr=fe,
                                     start_new_session=True)
                try:
                    p.wait(timeout=TIMEOUT_S + 1)  # + sandbox start-up
                except subprocess.TimeoutExpired:
                    timed_out = True
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    p.wait()
            elapsed = time.monotonic() - t0
            with open(out_path, "rb") as f:
                stdout = f.read(STDOUT_CAP + 1)
            with open(err_path, "rb") as f:
                stderr = f.read(SHOW_CAP)
            with open(st_path, "rb") as f:
                state = f.read().decode("utf-8", "replace")
            rc = None
            if state.startswith("rc="):
                first, _, state = state.partition("\n")
                rc = int(first[3:])
            elif not timed_out:
                rc = p.returncode
            return {
                "stdout": stdout, "stderr": stderr, "rc": rc, "timed_out": timed_out,
                "state": state, "files": snapshot(home), "elapsed": elapsed,
                "bwrap_rc": p.returncode,
            }
        finally:
            shutil.rmtree(rundir, ignore_errors=True)
            if os.path.exists(rundir):  # e.g. a chmod 000 dir made by the command
                subprocess.run(["chmod", "-R", "u+rwx", rundir], stderr=subprocess.DEVNULL)
                shutil.rmtree(rundir, ignore_errors=True)


# ------------------------------------------------------------------ snapshot

def _sha(b):
    return hashlib.sha256(b).hexdigest()


def _archive_digest(path, data):
    name = path.lower()
    try:
        if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
            items = []
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as t:
                for m in t.getmembers():
                    if m.isfile():
                        items.append((m.name, "f", _sha(t.extractfile(m).read())))
                    elif m.isdir():
                        items.append((m.name.rstrip("/"), "d", ""))
                    elif m.issym() or m.islnk():
                        items.append((m.name, "l", m.linkname))
                    else:
                        items.append((m.name, "?", ""))
            return "tar:" + _sha(json.dumps(sorted(items)).encode())
        if name.endswith(".zip"):
            items = []
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for i in z.infolist():
                    if i.is_dir():
                        items.append((i.filename.rstrip("/"), "d", ""))
                    else:
                        items.append((i.filename, "f", _sha(z.read(i))))
            return "zip:" + _sha(json.dumps(sorted(items)).encode())
        if name.endswith(".gz"):
            return "gz:" + _sha(gzip.decompress(data))
    except Exception:
        pass
    return None


def snapshot(home):
    """{relative path: (type, mode, digest)} for everything under home,
    skipping project/.git internals."""
    snap = {}
    skip = os.path.join(home, "project", ".git")
    for root, dirs, files in os.walk(home):
        if root == os.path.join(home, "project") and ".git" in dirs:
            dirs.remove(".git")
            try:
                st = os.lstat(skip)
                snap["project/.git"] = ("d" if stat.S_ISDIR(st.st_mode) else "?", 0, "")
            except OSError:
                pass
        for name in sorted(dirs) + sorted(files):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, home)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                snap[rel] = ("l", 0, os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                snap[rel] = ("d", mode, "")
            elif stat.S_ISREG(st.st_mode):
                try:
                    with open(full, "rb") as f:
                        data = f.read()
                    dig = _archive_digest(name, data) or _sha(data)
                except OSError as e:
                    dig = "unreadable:" + e.__class__.__name__
                snap[rel] = ("f", mode, dig)
            elif stat.S_ISFIFO(st.st_mode):
                snap[rel] = ("p", mode, "")
            else:
                snap[rel] = ("?", mode, "")
        # os.walk does not descend into symlinked dirs: fine.
    return snap


# ------------------------------------------------------------------ compare

def norm_stdout(b):
    return b.rstrip()


def sorted_lines(b):
    return sorted(b.rstrip().split(b"\n"))


def diff_files(a, b):
    keys = sorted(set(a) | set(b))
    return [k for k in keys if a.get(k) != b.get(k)]


def compare(ref, pred):
    """Returns (strict_ok, sorted_ok, reason)."""
    if pred is None:
        return False, False, "no prediction"
    if pred.get("timed_out"):
        return False, False, "timeout"
    files = diff_files(ref["files"], pred["files"])
    state_ok = ref["state"] == pred["state"]
    same_out = norm_stdout(ref["stdout"]) == norm_stdout(pred["stdout"])
    same_sorted = sorted_lines(ref["stdout"]) == sorted_lines(pred["stdout"])
    reasons = []
    if not same_out:
        reasons.append("stdout differs" + (" (same lines, different order)" if same_sorted else ""))
    if files:
        reasons.append(f"files differ: {len(files)} path(s), e.g. " + ", ".join(files[:3]))
    if not state_ok:
        reasons.append(state_reason(ref["state"], pred["state"]))
    strict = same_out and not files and state_ok
    sort_ok = same_sorted and not files and state_ok
    return strict, sort_ok, "; ".join(reasons) or "ok"


def state_reason(a, b):
    def sections(s):
        out, cur = {}, None
        for line in s.split("\n"):
            if line.startswith("== "):
                cur = line[3:]
                out[cur] = []
            elif cur is not None:
                out[cur].append(line)
        return out
    sa, sb = sections(a), sections(b)
    bad = [k for k in sorted(set(sa) | set(sb)) if sa.get(k) != sb.get(k)]
    return "state differs: " + ", ".join(bad)


def show(b):
    s = b.decode("utf-8", "replace")
    return s if len(s) <= SHOW_CAP else s[:SHOW_CAP] + f"... [{len(s)} chars]"


def syntax_ok(cmd):
    r = subprocess.run(["bash", "-n", "-c", cmd], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


# ------------------------------------------------------------------ modes

def check_bwrap():
    r = subprocess.run(["bwrap", "--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000",
                        "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise SystemExit("bwrap does not work here: " + r.stdout.decode(errors="replace"))


def with_sandbox(fn):
    check_bwrap()
    workdir = tempfile.mkdtemp(prefix="cmdai-check-")
    try:
        sb = Sandbox(workdir)
        t0 = time.monotonic()
        sb.build_template()
        log(f"template built in {time.monotonic() - t0:.1f}s at {sb.template}")
        return fn(sb)
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", workdir], stderr=subprocess.DEVNULL)
        shutil.rmtree(workdir, ignore_errors=True)


def mode_requests(args):
    tasks = load_jsonl(args.tasks)

    def go(sb):
        proj = os.path.join(sb.template, "project")
        entries = sorted(n + ("/" if os.path.isdir(os.path.join(proj, n))
                              and not os.path.islink(os.path.join(proj, n)) else "")
                         for n in os.listdir(proj))
        with open(args.out, "w", encoding="utf-8") as f:
            for t in tasks:
                f.write(json.dumps({"id": t["id"], "request": t["request"], "cwd": CWD_IN,
                                    "home": HOME_IN, "user": "dev", "entries": entries},
                                   ensure_ascii=False) + "\n")
        log(f"wrote {len(tasks)} requests to {args.out}")
    with_sandbox(go)


def pmap(fn, items, jobs):
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = [ex.submit(fn, it) for it in items]
        done = 0
        for fut in futs:
            fut.result()
            done += 1
            if done % 25 == 0 or done == len(futs):
                log(f"  {done}/{len(futs)}")
        return [f.result() for f in futs]


def print_table(title, rows):
    print(title)
    for cat, n, s, so in rows:
        print(f"  {cat:<12} {n:>4}  strict {s / n * 100 if n else 0:6.1f}%  ({s}/{n})"
              f"  sorted-lines {so / n * 100 if n else 0:6.1f}%")


def summarize(tasks, results):
    cats = collections.OrderedDict()
    for t in tasks:
        cats.setdefault(t["category"], [0, 0, 0])
    tot = [0, 0, 0]
    for t, r in zip(tasks, results):
        c = cats[t["category"]]
        c[0] += 1
        c[1] += r["ok"]
        c[2] += r["ok_sorted"]
        tot[0] += 1
        tot[1] += r["ok"]
        tot[2] += r["ok_sorted"]
    rows = [(k, *v) for k, v in sorted(cats.items())]
    return tot, rows


def mode_score(args):
    tasks = load_jsonl(args.tasks)
    preds = {}
    for p in load_jsonl(args.predictions):
        if "id" in p:
            preds[p["id"]] = p.get("cmd")

    def go(sb):
        t0 = time.monotonic()

        def one(t):
            cmd = preds.get(t["id"])
            ref = sb.run(t["cmd"])
            if not isinstance(cmd, str) or not cmd.strip():
                return {"id": t["id"], "category": t["category"], "ok": False, "ok_sorted": False,
                        "reason": "missing prediction", "syntax_ok": False, "pred_cmd": cmd,
                        "ref_stdout": show(ref["stdout"]), "pred_stdout": ""}
            syn = syntax_ok(cmd)
            pr = sb.run(cmd)
            ok, ok_s, reason = compare(ref, pr)
            if not syn:
                reason = "bash -n fails; " + reason
            return {"id": t["id"], "category": t["category"], "ok": ok, "ok_sorted": ok_s,
                    "reason": reason, "syntax_ok": syn, "pred_cmd": cmd, "ref_cmd": t["cmd"],
                    "pred_rc": pr["rc"], "ref_rc": ref["rc"],
                    "ref_stdout": show(ref["stdout"]), "pred_stdout": show(pr["stdout"]),
                    "pred_stderr": show(pr["stderr"])}
        results = pmap(one, tasks, args.jobs)
        elapsed = time.monotonic() - t0
        tot, rows = summarize(tasks, results)
        nsyn = sum(1 for r in results if not r["syntax_ok"] and r["reason"] != "missing prediction")
        nmiss = sum(1 for r in results if r["reason"] == "missing prediction")
        print(f"strict accuracy: {tot[1] / tot[0] * 100:.1f}% ({tot[1]}/{tot[0]})")
        print(f"sorted-lines accuracy: {tot[2] / tot[0] * 100:.1f}% ({tot[2]}/{tot[0]})")
        print(f"predictions failing bash -n: {nsyn}; missing predictions: {nmiss}")
        print_table("per category:", rows)
        print(f"scored in {elapsed:.0f}s")
        if args.show_failures:
            shown = 0
            for t, r in zip(tasks, results):
                if r["ok"] or shown >= args.show_failures:
                    continue
                shown += 1
                print(f"\n--- {r['id']} [{r['category']}]: {r['reason']}")
                print(f"request: {t['request']}")
                print(f"ref:  {t['cmd']}")
                print(f"pred: {r['pred_cmd']}")
                print("ref stdout:  " + r["ref_stdout"][:300].replace("\n", "\\n"))
                print("pred stdout: " + r["pred_stdout"][:300].replace("\n", "\\n"))
        if args.report:
            with open(args.report, "w", encoding="utf-8") as f:
                json.dump({"strict_accuracy": tot[1] / tot[0], "sorted_lines_accuracy": tot[2] / tot[0],
                           "n": tot[0], "syntax_failures": nsyn, "missing": nmiss,
                           "per_category": {c: {"n": n, "strict": s, "sorted_lines": so}
                                            for c, n, s, so in rows},
                           "seconds": elapsed, "tasks": results}, f, indent=1, ensure_ascii=False)
            log(f"report written to {args.report}")
    with_sandbox(go)


def mode_selftest(args):
    tasks = load_jsonl(args.tasks)
    problems = []
    ids = collections.Counter(t["id"] for t in tasks)
    for i, c in ids.items():
        if c > 1:
            problems.append(f"{i}: duplicate id")
    for t in tasks:
        for k in ("id", "category", "request", "cmd", "source"):
            if not t.get(k):
                problems.append(f"{t.get('id')}: missing {k}")
        if not syntax_ok(t.get("cmd", "")):
            problems.append(f"{t['id']}: reference fails bash -n")

    def go(sb):
        t0 = time.monotonic()
        base = sb.run(":")
        if base["rc"] != 0 or base["stdout"]:
            problems.append(f"baseline run failed: rc={base['rc']} {base['stderr']!r}")

        def one(t):
            a = sb.run(t["cmd"])
            b = sb.run(t["cmd"])
            c = sb.run(t["cmd"])
            ok1, s1, r1 = compare(a, b)
            ok2, s2, r2 = compare(a, c)
            changed = diff_files(base["files"], a["files"])
            state_changed = a["state"] != base["state"]
            return {"id": t["id"], "category": t["category"], "ok": ok1 and ok2,
                    "ok_sorted": s1 and s2, "reason": r1 if not ok1 else r2,
                    "rc": a["rc"], "timed_out": a["timed_out"], "stdout_empty": not a["stdout"].strip(),
                    "changed_paths": changed[:20], "n_changed": len(changed),
                    "state_changed": state_changed, "stderr": show(a["stderr"]),
                    "ref_stdout": show(a["stdout"]), "stdout_bytes": len(a["stdout"]),
                    "elapsed": a["elapsed"]}
        results = pmap(one, tasks, args.jobs)
        elapsed = time.monotonic() - t0
        for r in results:
            if not r["ok"]:
                problems.append(f"{r['id']}: nondeterministic: {r['reason']}")
            if r["timed_out"]:
                problems.append(f"{r['id']}: timeout")
            elif r["rc"] != 0:
                problems.append(f"{r['id']}: exit status {r['rc']}: {r['stderr'][:200]!r}")
            if r["stdout_empty"] and not r["n_changed"] and not r["state_changed"]:
                problems.append(f"{r['id']}: trivial (empty stdout, no change)")
            if r["stdout_bytes"] > STDOUT_CAP:
                problems.append(f"{r['id']}: stdout over the cap")
        tot, rows = summarize(tasks, results)
        nchg = sum(1 for r in results if r["n_changed"] or r["state_changed"])
        print(f"determinism (reference vs itself, twice): {tot[1] / tot[0] * 100:.1f}% ({tot[1]}/{tot[0]})")
        print_table("per category:", rows)
        print(f"tasks that change files/git/processes: {nchg}/{len(tasks)} ({nchg / len(tasks) * 100:.0f}%)")
        print(f"selftest ran in {elapsed:.0f}s")
        if problems:
            print(f"{len(problems)} problem(s):")
            for p in problems:
                print("  " + p)
        else:
            print("selftest clean: no nondeterministic, failing or trivial references")
        if args.report:
            with open(args.report, "w", encoding="utf-8") as f:
                json.dump({"problems": problems, "tasks": results}, f, indent=1, ensure_ascii=False)
        return 1 if problems else 0
    return with_sandbox(go)


def mode_run(args):
    """Debug helper: run one command in the sandbox and print what happened."""
    def go(sb):
        r = sb.run(args.cmd)
        sys.stdout.write(r["stdout"].decode("utf-8", "replace"))
        log(f"--- rc={r['rc']} timed_out={r['timed_out']} elapsed={r['elapsed']:.2f}s")
        log("--- stderr:\n" + r["stderr"].decode("utf-8", "replace"))
        log("--- state:\n" + r["state"])
    with_sandbox(go)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("requests")
    a.add_argument("--tasks", required=True)
    a.add_argument("--out", required=True)
    a = sub.add_parser("score")
    a.add_argument("--tasks", required=True)
    a.add_argument("--predictions", required=True)
    a.add_argument("--report")
    a.add_argument("--show-failures", type=int, default=0)
    a.add_argument("--jobs", type=int, default=2)
    a = sub.add_parser("selftest")
    a.add_argument("--tasks", required=True)
    a.add_argument("--report")
    a.add_argument("--jobs", type=int, default=2)
    a = sub.add_parser("run", help="debug: run one command in the sandbox")
    a.add_argument("cmd")
    args = ap.parse_args()
    if args.mode == "requests":
        mode_requests(args)
    elif args.mode == "score":
        mode_score(args)
    elif args.mode == "selftest":
        sys.exit(mode_selftest(args))
    elif args.mode == "run":
        mode_run(args)


if __name__ == "__main__":
    main()
