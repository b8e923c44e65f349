"""How the evidence collector scales with the size of the account.

Starts `moto_server` on 127.0.0.1 (a free port, its own process), seeds it in parallel with boto3 to
10, 100 and 1,000 S3 buckets + KMS keys + ECR repositories (cumulatively), and after each step runs
the collector as the user would (`regzone evidence --format json`, with AWS_ENDPOINT_URL pointing at
moto). Prints the collector's wall time, peak memory (its own rusage, from wait4), and the API calls
it made per seeded resource (from the collector's report, `stats.api_calls`; for a custom collector
without one, requests in moto_server's access log during the run, which undercounts).

    python bench/evidence_scale.py [--sizes 10 100 1000] [--collector "regzone evidence --format json"]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import socket
import subprocess  # nosec B404 - starts moto_server and the collector with fixed argv
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

from benchlib import machine

REGION = "us-east-1"
_REQUEST_LINE = re.compile(r'"(GET|PUT|POST|HEAD|DELETE|PATCH) ')
_SEED_WORKERS = 32
_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105 - moto's
                "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}  # documented dummy values


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """`moto_server` in its own process, its access log in a file so requests can be counted."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "moto.log"
        self._log = self.log_path.open("w")
        executable = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
        self.process = subprocess.Popen([executable, "-H", "127.0.0.1", "-p", str(self.port)],  # nosec B603
                                        stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1)  # nosec B310 - local http
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"moto_server did not start:\n{self.log_path.read_text()[-2000:]}") from None
                time.sleep(0.1)

    def requests(self) -> int:
        self._log.flush()
        return sum(1 for line in self.log_path.read_text().splitlines() if _REQUEST_LINE.search(line))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _clients(endpoint: str) -> dict:
    session = boto3.session.Session(region_name=REGION, aws_access_key_id="testing",  # nosec B106
                                    aws_secret_access_key="testing")  # nosec B106 - moto dummy
    config = Config(max_pool_connections=_SEED_WORKERS, retries={"max_attempts": 2})
    return {name: session.client(name, endpoint_url=endpoint, config=config) for name in ("s3", "kms", "ecr")}


def _seed_one(clients: dict, i: int) -> None:
    """One compliant-looking key, bucket and repository (every tenth bucket with Object Lock)."""
    kms, s3, ecr = clients["kms"], clients["s3"], clients["ecr"]
    key_arn = kms.create_key(Description=f"bench key {i}")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key_arn)
    bucket = f"bench-{i:05d}"
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=i % 10 == 0)
    if i % 10:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    ecr.create_repository(repositoryName=f"bench/repo-{i:05d}", imageTagMutability="IMMUTABLE",
                          imageScanningConfiguration={"scanOnPush": True},
                          encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key_arn})


def seed(clients: dict, start: int, stop: int) -> float:
    began = time.perf_counter()
    with ThreadPoolExecutor(_SEED_WORKERS) as pool:
        list(pool.map(lambda i: _seed_one(clients, i), range(start, stop)))  # list() re-raises failures
    return time.perf_counter() - began


def collector_available(command: list[str]) -> bool:
    """`regzone evidence --help` works (a custom --collector command is taken as given)."""
    if Path(command[0]).name != "regzone":
        return True
    try:
        return subprocess.run([*command[:2], "--help"], capture_output=True, check=False,  # nosec B603
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run_collector(command: list[str], env: dict[str, str], out_path: Path) -> dict:
    began = time.perf_counter()
    with out_path.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.PIPE)  # nosec B603
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "rss_mb": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime,
            "exit": process.returncode, "stderr": stderr, **_report_figures(out_path)}


def _report_figures(path: Path) -> dict:
    """Findings and the collector's own count of API requests sent (retries included), if reported."""
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return {"findings": "not JSON", "api_calls": None}
    if isinstance(data, list):
        return {"findings": str(len(data)), "api_calls": None}
    findings = data.get("findings") if isinstance(data, dict) else None
    calls = (data.get("stats") or {}).get("api_calls") if isinstance(data, dict) else None
    return {"findings": str(len(findings)) if isinstance(findings, list) else "?", "api_calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000],
                        help="cumulative numbers of buckets (and as many keys and repositories)")
    parser.add_argument("--collector", default="regzone evidence --format json",
                        help="collector command line (run with AWS_ENDPOINT_URL set to moto)")
    args = parser.parse_args()
    command = shlex.split(args.collector)
    command[0] = shutil.which(command[0], path=str(Path(sys.executable).parent)) or command[0]
    available = collector_available(command)

    print(f"machine: {machine()}")
    print(f"collector: {args.collector} ({'found' if available else 'NOT AVAILABLE: only seeding is measured'})\n")
    with tempfile.TemporaryDirectory(prefix="regzone-evidence-bench-") as tmp:
        server = MotoServer(Path(tmp))
        try:
            clients = _clients(server.endpoint)
            env = {**os.environ, **_CREDENTIALS, "AWS_ENDPOINT_URL": server.endpoint}
            if available:  # moto loads a service's backend on its first request: keep that out of the figures
                warm = run_collector(command, env, Path(tmp) / "evidence-warm-up.json")
                print(f"warm-up run on the empty account, not counted (moto loads a service on first use): "
                      f"{warm['wall']:.1f} s\n", flush=True)
            print(f"{'buckets':>7} {'keys':>5} {'repos':>5} {'seed_s':>7} {'wall_s':>7} {'cpu_s':>6} {'rss_MB':>6} "
                  f"{'api_calls':>9} {'calls/res':>9} {'exit':>4} {'findings':>8}")
            seeded = 0
            for size in sorted(args.sizes):
                seed_time = seed(clients, seeded, size)
                seeded = size
                row = f"{size:>7} {size:>5} {size:>5} {seed_time:>7.1f}"
                if not available:
                    print(row, flush=True)
                    continue
                before = server.requests()
                result = run_collector(command, env, Path(tmp) / f"evidence-{size}.json")
                # the collector's own count; moto's access log (which misses some requests) otherwise
                calls = result["api_calls"] if result["api_calls"] is not None else server.requests() - before
                print(f"{row} {result['wall']:>7.2f} {result['cpu']:>6.2f} {result['rss_mb']:>6.0f} {calls:>9} "
                      f"{calls / (3 * size):>9.2f} {result['exit']:>4} {result['findings']:>8}", flush=True)
                if result["exit"] not in (0, 1):
                    print(f"collector failed:\n{result['stderr'][-3000:]}")
        finally:
            server.stop()
    print("\ncalls/res = API requests the collector sent (its report's stats.api_calls, retries included) / "
          "(buckets + keys + repositories)")


if __name__ == "__main__":
    main()
