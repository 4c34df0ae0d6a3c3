#!/usr/bin/env python3
"""Soak driver: churns a running silo through its HTTP API and samples its resources over time.

Run by soak.sh (which starts Redis, Kafka and the silo); usable alone against any silo:
  soak.py --base http://127.0.0.1:21300 --token T --pid PID --redis-port 21301 --log silo.log --duration 1800 --csv soak.csv

Churn (one thread, about --ops-per-second): a pool of --users users, half of them in tenant "soak", gets interests
put and deleted (half of them naming a new host, a word the vocabulary lacks), policies replaced (rate limits, one-minute digests, quiet hours, mutes), feedback on their recent
matches, reads of matches, digests, feedback and exports, and erasures (DELETE …/users/{id}). Live streams (--streams
threads): user, tenant and everyone's SSE streams opened for a few seconds and dropped cleanly (FIN), abruptly (RST)
or by a client that stops reading and vanishes later.

Samples every --interval seconds into --csv: RSS, threads and open descriptors (/proc), the GC heap after the last
collection and Orleans activations (/metrics), Redis used memory and keys, the dashboard's end-to-end and scoring
latency, the log's warnings and errors, and the driver's own HTTP outcomes. Python standard library only.
"""
import argparse
import csv
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlsplit

INTEREST_TEXTS = [
    "database outages", "kafka broker outages", "disk full on a server", "api error rate spikes",
    "failed deployments", "certificate expiry", "memory leak in a service", "latency regression",
    "payment failures", "login problems", "backup failures", "network packet loss",
]
MUTE_TERMS = ["staging", "test", "canary", "503"]


class Driver:
    def __init__(self, args):
        self.args = args
        self.base = args.base.rstrip("/")
        self.headers = {"authorization": f"Bearer {args.token}", "content-type": "application/json"}
        self.outcomes = Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.rng = random.Random(args.seed)
        # user path prefix -> interest ids it holds (as far as the driver knows)
        self.users = {self.user_path(i): set() for i in range(args.users)}

    @staticmethod
    def user_path(i):
        return f"/tenants/soak/users/soak-{i}" if i % 2 else f"/users/soak-{i}"

    def count(self, key):
        with self.lock:
            self.outcomes[key] += 1

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = response.read()
                self.count(f"{response.status // 100}xx")
                return response.status, payload
        except urllib.error.HTTPError as error:
            error.read()
            self.count(f"{error.code // 100}xx" if error.code >= 500 else str(error.code))
            return error.code, b""
        except OSError:
            self.count("io-error")
            return None, b""

    # --- churn -----------------------------------------------------------------------------------------------------
    def churn(self):
        actions = [(self.put_interest, 30), (self.delete_interest, 8), (self.put_policy, 8), (self.feedback, 12),
                   (self.reads, 20), (self.erase, 3)]
        functions, weights = zip(*actions)
        period = 1 / self.args.ops_per_second
        while not self.stop.is_set():
            user = self.rng.choice(list(self.users))
            self.rng.choices(functions, weights)[0](user)
            self.stop.wait(period)

    def put_interest(self, user):
        interest = f"i{self.rng.randrange(5)}"
        text = self.rng.choice(INTEREST_TEXTS)
        if self.rng.random() < 0.5:
            # A host name as operators write them: a word the vocabulary lacks, new on most writes.
            text += f" on host{self.rng.randrange(100000)}"
        body = {"text": text, "threshold": round(self.rng.uniform(0.35, 0.6), 2)}
        if self.rng.random() < 0.2:
            body["exclude"] = [self.rng.choice(MUTE_TERMS)]
        status, _ = self.call("PUT", f"{user}/interests/{interest}", body)
        if status in (200, 201):
            self.users[user].add(interest)

    def delete_interest(self, user):
        if self.users[user]:
            interest = self.rng.choice(sorted(self.users[user]))
            self.call("DELETE", f"{user}/interests/{interest}")
            self.users[user].discard(interest)

    def put_policy(self, user):
        policy = {"rateLimit": {"maxImmediate": self.rng.randrange(1, 5), "window": "00:10:00"},
                  "digest": {"digestEvery": "00:01:00", "digestSize": self.rng.randrange(1, 10)}}
        if self.rng.random() < 0.3:
            now = time.gmtime()
            end = time.gmtime(time.time() + 180)
            policy["quietHours"] = {"timeZone": "Etc/UTC", "start": time.strftime("%H:%M:00", now),
                                    "end": time.strftime("%H:%M:00", end), "criticalScore": 0.9}
        if self.rng.random() < 0.3:
            until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 120))
            policy["mutes"] = [{"term": self.rng.choice(MUTE_TERMS), "until": until}]
        self.call("PUT", f"{user}/policy", policy)

    def feedback(self, user):
        status, payload = self.call("GET", f"{user}/matches?limit=5")
        if status == 200:
            matches = json.loads(payload).get("matches", [])
            if matches:
                match = self.rng.choice(matches)["matchId"]
                self.call("POST", f"{user}/matches/{match}/feedback", {"relevant": self.rng.random() < 0.5})

    def reads(self, user):
        self.call("GET", self.rng.choice([f"{user}/digests", f"{user}/feedback", f"{user}/export", f"{user}/interests",
                                          f"{user}/policy", f"{user}/matches?limit=20"]))

    def erase(self, user):
        self.call("DELETE", user)
        self.users[user].clear()

    # --- live streams ----------------------------------------------------------------------------------------------
    def streams(self):
        target = urlsplit(self.base)
        while not self.stop.is_set():
            known = [user for user, interests in self.users.items() if interests]
            path = self.rng.choice(["/matches/stream", "/tenants/soak/matches/stream"]
                                   + ([self.rng.choice(known) + "/matches/stream"] if known else []))
            try:
                sock = socket.create_connection((target.hostname, target.port), timeout=10)
            except OSError:
                self.count("stream-connect-error")
                self.stop.wait(1)
                continue
            try:
                sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {target.netloc}\r\nAccept: text/event-stream\r\n"
                              f"Authorization: Bearer {self.args.token}\r\n\r\n").encode())
                status = sock.recv(64).split(b" ")[1].decode()
                self.count(f"stream-{status}")
                deadline = time.time() + self.rng.uniform(2, 20)
                sock.settimeout(1)
                while status == "200" and time.time() < deadline and not self.stop.is_set():
                    try:
                        if not sock.recv(65536):
                            break
                    except socket.timeout:
                        pass
                ending = self.rng.choice(["clean", "reset", "vanish"])
                self.count(f"stream-end-{ending}")
                if ending == "vanish":
                    # Stops reading but keeps the connection: the server's writes fill the socket's buffers.
                    self.stop.wait(self.rng.uniform(10, 40))
                if ending in ("reset", "vanish"):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    sock.shutdown(socket.SHUT_RDWR)
            except (OSError, IndexError):
                self.count("stream-io-error")
            finally:
                sock.close()

    # --- sampling --------------------------------------------------------------------------------------------------
    def sample(self, started):
        pid = self.args.pid
        row = {"elapsed_s": round(time.time() - started), "time": time.strftime("%H:%M:%S", time.gmtime())}
        status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status") if ":" in line)
        row["rss_mb"] = round(int(status["VmRSS"].split()[0]) / 1024, 1)
        row["threads"] = int(status["Threads"])
        row["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
        # utime + stime (fields 14 and 15 of /proc/PID/stat, after the command name's closing parenthesis)
        ticks = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        row["cpu_s"] = round((int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK"))
        _, metrics = self.call("GET", "/metrics")
        text = metrics.decode(errors="replace")
        row["gc_heap_after_gc_mb"] = round(metric_sum(text, "dotnet_gc_last_collection_heap_size_bytes") / 2**20, 1)
        row["gc_committed_mb"] = round(metric_sum(text, "dotnet_gc_last_collection_memory_committed_size_bytes") / 2**20, 1)
        row["activations"] = int(metric_sum(text, "orleans_catalog_activations"))
        row["messages_in"] = int(metric_sum(text, "streamattention_gateway_messages_total"))
        _, stats = self.call("GET", "/dashboard/stats")
        snapshot = json.loads(stats or b"{}")
        end_to_end = ((snapshot.get("ingest") or {}).get("endToEndLatency")) or {}
        row["e2e_p50_ms"] = end_to_end.get("p50")
        row["e2e_p99_ms"] = end_to_end.get("p99")
        row["consumer_lag"] = (snapshot.get("ingest") or {}).get("consumerLag")
        info = redis(self.args.redis_port, "INFO", "memory")
        row["redis_used_mb"] = round(int(re.search(r"used_memory:(\d+)", info).group(1)) / 2**20, 2)
        row["redis_keys"] = int(redis(self.args.redis_port, "DBSIZE"))
        log = open(self.args.log, errors="replace").read() if self.args.log else ""
        row["log_warnings"] = len(re.findall(r"^(?:\S+ )?warn:", log, re.M))
        row["log_errors"] = len(re.findall(r"^(?:\S+ )?(?:fail|crit):", log, re.M))
        with self.lock:
            row["http"] = " ".join(f"{key}={value}" for key, value in sorted(self.outcomes.items()))
        return row

    def run(self):
        threads = [threading.Thread(target=self.churn, daemon=True)]
        threads += [threading.Thread(target=self.streams, daemon=True) for _ in range(self.args.streams)]
        for thread in threads:
            thread.start()
        started = time.time()
        with open(self.args.csv, "w", newline="") as output:
            writer = None
            while True:
                row = self.sample(started)
                if writer is None:
                    writer = csv.DictWriter(output, fieldnames=list(row))
                    writer.writeheader()
                writer.writerow(row)
                output.flush()
                print(", ".join(f"{key}={value}" for key, value in row.items()), flush=True)
                if time.time() - started >= self.args.duration:
                    break
                time.sleep(self.args.interval - (time.time() - started) % self.args.interval)
        self.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        print(summary(self.args.csv), flush=True)


def summary(path):
    """A Markdown table of each numeric series: first sample, after a tenth of the run (warmed up), last, min, max."""
    rows = list(csv.DictReader(open(path)))
    warm = rows[len(rows) // 10]
    lines = ["| series | start | warm | end | min | max |", "|---|---|---|---|---|---|"]
    for column in rows[0]:
        try:
            values = [float(row[column]) for row in rows if row[column] != ""]
        except ValueError:
            continue
        if column != "elapsed_s" and values:
            cells = [rows[0][column], warm[column], rows[-1][column], f"{min(values):g}", f"{max(values):g}"]
            lines.append(f"| {column} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def metric_sum(text, name):
    """The sum of every series of a Prometheus metric (all tags), 0 when absent."""
    return sum(float(match.group(1)) for match in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)", text, re.M))


def redis(port, *command):
    return subprocess.run(["redis-cli", "-p", str(port), *command], capture_output=True, text=True, check=True).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the silo's URL")
    parser.add_argument("--token", required=True, help="an operator token")
    parser.add_argument("--pid", required=True, type=int, help="the silo's process id")
    parser.add_argument("--redis-port", required=True, type=int)
    parser.add_argument("--log", help="the silo's console log, for its warnings and errors")
    parser.add_argument("--csv", required=True)
    parser.add_argument("--duration", type=float, default=1800, help="seconds")
    parser.add_argument("--interval", type=float, default=30, help="seconds between samples")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--ops-per-second", type=float, default=5)
    parser.add_argument("--streams", type=int, default=3, help="concurrent live-stream clients (≤ Limits:StreamsPerCaller)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--summary", metavar="CSV", help="only print the summary table of an earlier run's CSV")
    if "--summary" in sys.argv:
        print(summary(sys.argv[sys.argv.index("--summary") + 1]))
        return
    Driver(parser.parse_args()).run()


if __name__ == "__main__":
    main()
