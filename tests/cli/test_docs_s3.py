"""docs/s3-and-terraform-state.md: every shell snippet runs as written, in order,
against the local moto server the first snippet starts."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "s3-and-terraform-state.md"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_shell_snippet_runs_as_written(tmp_path):
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 8
    bindir = str(Path(sys.executable).parent)  # leakwarden and moto_server live here
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path), "PORT": str(_free_port()),
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
           "AWS_EC2_METADATA_DISABLED": "true", "LEAKWARDEN_CACHE_DIR":
           os.environ.get("LEAKWARDEN_CACHE_DIR", str(tmp_path / "cache"))}
    # Each snippet must succeed (the commands echo their exit codes themselves);
    # the last one stops the server even if an earlier one failed.
    script = "\n".join(blocks[:1]) + "\n" + "\n".join(
        f"{b}\nstatus=$?; [ $status -eq 0 ] || echo 'SNIPPET {i} FAILED'" for i, b in
        enumerate(blocks[1:-1], 1)) + "\n" + blocks[-1]
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    out = proc.stdout
    assert "FAILED" not in out, out + proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert out.count("module.db.aws_db_instance.main.password") >= 4, out
    assert "exit 1" in out and "exit 2" not in out, out
    assert "rotate the password of module.db.aws_db_instance.main: it was in env/prod.tfstate" in out
    assert ("**Rotate the password of `module.db.aws_db_instance.main`: it was in "
            "`env/prod.tfstate` version") in out, out
    assert "reads plaintext" in out and "eks-node (instance profile)" in out
    assert "'skipped_unchanged': 4" in out, out
    assert not list(tmp_path.glob("*.json")), "the clean-up snippet left files"
