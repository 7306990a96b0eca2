"""Kernels forked from the run's template process: fresh, isolated, cleaned up, and equivalent.

The template (report/forkserver.py) imports the heavy libraries once and forks a kernel per chapter.
These tests check what that must not change: a forked kernel is a process of its own with the
request's folder and environment and an empty namespace; it dies with the worker that asked for it
and with the template; a template that cannot answer gives an ordinary kernel; and a chapter comes
out the same, byte for byte, forked or started the usual way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from veiligheidsanalyse.report import forkserver

ROOT = Path(__file__).resolve().parents[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture()
def template(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    t = forkserver.Template(sys.executable, env, str(tmp_path), tmp_path / "template.log", str(tmp_path))
    yield t
    t.stop()


# A "worker": starts a kernel through the forking provisioner, runs code in it, prints the answers.
WORKER = textwrap.dedent("""
    import json, os, sys, time
    from veiligheidsanalyse.report.worker import Kernel
    kernel = Kernel("python3", sys.argv[1], warm=False)
    client = kernel.km.blocking_client()
    client.start_channels(hb=False)
    client.wait_for_ready(timeout=60)
    code = sys.argv[2]
    msg_id = client.execute("", silent=True, user_expressions={"v": code})
    while True:
        reply = client.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    value = reply["content"]["user_expressions"]["v"]
    print(json.dumps({"kernel_pid": kernel.pid, "forked": getattr(kernel.km.provisioner, "forked", False),
                      "value": value.get("data", {}).get("text/plain"), "status": value.get("status")}), flush=True)
    if len(sys.argv) > 3:  # stay alive until killed
        time.sleep(600)
    client.stop_channels()
    kernel.shutdown()
""")

PROBE = (
    "__import__('json').dumps({'ppid': __import__('os').getppid(), 'cwd': __import__('os').getcwd(), "
    "'marker': __import__('os').environ.get('VA_TEST_MARKER'), "
    "'pandas_before': 'pandas' in __import__('sys').modules, "
    "'user_names': sorted(k for k in globals() if not k.startswith('_') and k not in "
    "('In', 'Out', 'exit', 'quit', 'get_ipython', 'open'))})"
)


def _worker(template, cwd: Path, code: str = PROBE, stay: bool = False, socket_path: str | None = None):
    env = dict(os.environ, VA_TEST_MARKER="uit-het-verzoek", MPLBACKEND="Agg")
    env[forkserver.ENV_SOCKET] = socket_path or template.path
    args = [sys.executable, "-c", WORKER, str(cwd), code] + (["stay"] if stay else [])
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _answer(proc) -> dict:
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    return json.loads(line)


def test_forked_kernel_is_a_fresh_process_with_the_requests_folder_and_environment(template, tmp_path):
    folder = tmp_path / "hoofdstukken"
    folder.mkdir()
    proc = _worker(template, folder)
    answer = _answer(proc)
    proc.wait(timeout=60)
    assert answer["forked"] is True and answer["status"] == "ok"
    probe = json.loads(eval(answer["value"]))  # the repr of a JSON string
    assert probe["ppid"] == template.proc.pid  # forked by the template, not started by the worker
    assert probe["cwd"] == str(folder)
    assert probe["marker"] == "uit-het-verzoek"  # the environment of the request, not of the template
    assert probe["pandas_before"] is True  # the libraries were imported before the chapter asked
    assert probe["user_names"] == []  # and the namespace is empty
    assert _wait_gone(answer["kernel_pid"])  # shut down with the worker's kernel manager


def test_two_forked_kernels_share_no_state(template, tmp_path):
    first = _worker(template, tmp_path, code="__import__('builtins').__dict__.setdefault('gedeeld', 42)")
    a = _answer(first)
    first.wait(timeout=60)
    second = _worker(template, tmp_path, code="hasattr(__import__('builtins'), 'gedeeld')")
    b = _answer(second)
    second.wait(timeout=60)
    assert a["value"] == "42" and b["value"] == "False"
    assert a["kernel_pid"] != b["kernel_pid"]


def test_kernel_dies_with_the_worker_that_asked_for_it(template, tmp_path):
    # The runner kills a worker that exceeds the chapter time-out; its forked kernel must go too.
    proc = _worker(template, tmp_path, stay=True)
    pid = _answer(proc)["kernel_pid"]
    assert _alive(pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert _wait_gone(pid, 5), "the forked kernel outlived its worker"


def test_kernels_die_with_the_template(template, tmp_path):
    proc = _worker(template, tmp_path, stay=True)
    pid = _answer(proc)["kernel_pid"]
    os.kill(template.proc.pid, signal.SIGKILL)
    try:
        assert _wait_gone(pid, 10), "the forked kernel outlived the template"
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_template_exits_when_its_runner_is_gone(tmp_path):
    # A "runner" that starts a template and is then killed: the template may not linger.
    code = textwrap.dedent(f"""
        import os, sys, time
        from veiligheidsanalyse.report import forkserver
        t = forkserver.Template(sys.executable, dict(os.environ), {str(tmp_path)!r},
                                __import__('pathlib').Path({str(tmp_path / "log")!r}), {str(tmp_path)!r})
        print(t.proc.pid, flush=True)
        time.sleep(600)
    """)
    runner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    template_pid = int(runner.stdout.readline())
    runner.kill()
    runner.wait(timeout=10)
    assert _wait_gone(template_pid, 10), "the template outlived its runner"


def test_a_template_that_cannot_answer_gives_an_ordinary_kernel(tmp_path):
    proc = _worker(None, tmp_path, socket_path=str(tmp_path / "no-such-socket"))
    answer = _answer(proc)
    proc.wait(timeout=60)
    assert answer["status"] == "ok" and answer["forked"] is False
    probe = json.loads(eval(answer["value"]))
    assert probe["ppid"] == proc.pid  # started by the worker itself
    assert "kernel template" in proc.stderr.read()  # and the worker's log says why


def test_the_client_papermill_gets_is_ready_with_iopub_connected(template, tmp_path, monkeypatch):
    """nbclient asks our kernel manager for a client and waits until it is ready. Ours does not wait
    for 0.2 s of silence on IOPub, but it must still only return once IOPub is connected: output of
    the very first request may not be lost. Fresh kernels, several times (a race shows rarely)."""
    from jupyter_core.utils import run_sync

    from veiligheidsanalyse.report.adapters.jupyter_client import ready_client_class
    from veiligheidsanalyse.report.worker import Kernel

    monkeypatch.setenv(forkserver.ENV_SOCKET, template.path)
    for attempt in range(4):
        kernel = Kernel("python3", str(tmp_path), warm=False)
        client = kernel.km.client()
        try:
            assert isinstance(client, ready_client_class())
            client.start_channels()
            run_sync(client.wait_for_ready)(timeout=60)
            msg_id = client.execute(f"print('eerste uitvoer {attempt}')")
            texts = []
            while True:
                msg = run_sync(client.iopub_channel.get_msg)(timeout=30)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    texts.append(msg["content"]["text"])
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
            assert "".join(texts) == f"eerste uitvoer {attempt}\n"
        finally:
            client.stop_channels()
            kernel.shutdown()


def test_a_kernel_that_dies_before_it_is_ready_is_reported(template, tmp_path, monkeypatch):
    from jupyter_core.utils import run_sync

    from veiligheidsanalyse.report.worker import Kernel

    monkeypatch.setenv(forkserver.ENV_SOCKET, template.path)
    kernel = Kernel("python3", str(tmp_path), warm=False)
    client = kernel.km.client()
    try:
        os.kill(kernel.pid, signal.SIGKILL)
        assert _wait_gone(kernel.pid)
        client.start_channels()
        with pytest.raises(RuntimeError, match="died"):
            run_sync(client.wait_for_ready)(timeout=30)
    finally:
        client.stop_channels()
        kernel.shutdown()


def test_only_this_interpreters_ipykernel_is_forked():
    assert forkserver.is_ipykernel_command([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"])
    assert not forkserver.is_ipykernel_command(["/usr/bin/python3.9", "-m", "ipykernel_launcher", "-f", "k.json"])
    assert not forkserver.is_ipykernel_command([sys.executable, "-m", "other_kernel", "-f", "k.json"])
    assert not forkserver.is_ipykernel_command(["R", "--slave", "-e", "IRkernel::main()", "--args", "k.json"])


@pytest.mark.e2e
def test_chapters_come_out_the_same_forked_or_not(tmp_path):
    """Two runs of the same chapters on the demo data: kernels and workers forked, and both started
    the usual way."""
    from conftest import make_project_copy

    chapters = ["00_gebied", "04_jeugd", "90_synthese"]
    bodies = {}
    for fork in ("1", "0"):
        root = make_project_copy(tmp_path / f"fork-{fork}", chapters=chapters)
        env = dict(os.environ, VA_PROJECT_ROOT=str(root), VA_FORK_KERNELS=fork, VA_FORK_WORKERS=fork)
        flags = [f"--hoofdstuk={ch}" for ch in chapters]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "veiligheidsanalyse.cli",
                "run",
                "config/westerveld.yaml",
                "--quiet",
                "--policy",
                "demo",
                *flags,
            ],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        manifest = json.loads(next((root / "outputs" / "westerveld").glob("*/manifest.json")).read_text())
        assert manifest["performance"]["kernel_template"] is (fork == "1")
        performance = manifest["performance"]
        assert performance["workers_forked"] == (performance["workers"] if fork == "1" else 0)
        intern = next((root / "outputs" / ".intern" / "westerveld").glob("2*"))
        bodies[fork] = {p.name: p.read_bytes() for p in sorted((intern / "bodies").glob("*.html"))}
        bodies[fork].update({p.name: p.read_bytes() for p in sorted((intern / "findings").glob("*.json"))})
    assert sorted(bodies["1"]) == sorted(bodies["0"]) and len(bodies["1"]) == 2 * len(chapters)
    different = [name for name in bodies["1"] if bodies["1"][name] != bodies["0"][name]]
    assert not different, f"forked and ordinary kernels gave different output: {different}"


def test_forked_workers_hold_nothing_of_the_runner_but_their_own_pipes(tmp_path):
    """Workers forked from the runner: children of the runner in sessions of their own, whose stdout
    and stderr are their logs, that hold none of the runner's other descriptors (here a lock file;
    and each other's job pipes, or closing a worker's stdin would not reach it), and that leave when
    their job pipe closes."""
    script = textwrap.dedent(f"""
        import json, os, sys, threading, time
        from pathlib import Path
        from veiligheidsanalyse.report.pool import WorkerPool
        tmp = Path({str(tmp_path)!r})
        held = open(tmp / "run.lock", "w")  # stands for the run lock the runner holds
        pool = WorkerPool(size=2, env=dict(os.environ), cwd=str(tmp), log_dir=tmp, warm=False, fork=False,
                          fork_workers=True)
        assert pool.fork_workers and threading.active_count() == 1
        pool.start()
        out = {{"forked": pool.forked, "runner": os.getpid(), "workers": []}}
        deadline = time.monotonic() + 20
        for w in pool.workers:
            while "klaar in" not in (tmp / f"worker-{{w.index}}.log").read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            fds = {{int(fd): os.readlink(f"/proc/{{w.proc.pid}}/fd/{{fd}}")
                   for fd in os.listdir(f"/proc/{{w.proc.pid}}/fd")}}
            stat = Path(f"/proc/{{w.proc.pid}}/stat").read_text().rsplit(")", 1)[1].split()
            out["workers"].append({{"pid": w.proc.pid, "ppid": int(stat[1]), "sid": int(stat[3]), "fds": fds,
                                   "log": str(tmp / f"worker-{{w.index}}.log")}})
        first = pool.workers[0]
        first.proc.stdin.close()  # end of jobs for the first worker only
        try:
            out["first_exit"] = first.proc.wait(timeout=10)
        except Exception as exc:
            out["first_exit"] = repr(exc)
        out["second_running"] = pool.workers[1].proc.poll() is None
        pool.workers = pool.workers[1:]
        pool.close()
        print(json.dumps(out))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["forked"] == 2 and len(out["workers"]) == 2
    for w in out["workers"]:
        assert w["ppid"] == out["runner"] and w["sid"] == w["pid"]
        assert w["fds"]["1"] == w["fds"]["2"] == w["log"]
        assert not any(target.endswith("run.lock") for target in w["fds"].values()), w["fds"]
    assert out["first_exit"] == 0 and out["second_running"]
