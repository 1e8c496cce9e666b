"""``coopwire bench``: every figure of the benchmark in one run on one real broker.

1. the in-process enrichment limit with P processes (no Kafka at all), and with 1 process using
   the previous language identifier (langdetect's random trials) on the same articles;
2. coopwire end to end (produce -> articles.enriched and the sink) with 1 and 2 workers;
3. the peers (Quix Streams, a plain kafka-python loop) on the same broker and data;
4. produce -> enriched latency p50/p95/p99 at about half of the 1-worker throughput;
5. worker peak RSS after a small and a 10x larger run of short articles;
6. where a worker's CPU goes, per article: language, NER, rules, building the output model and
   serialisation are timed inside the in-process run (``Enricher.cpu_seconds``, CPU clock);
   Kafka, the stream framework and the sink are the rest of the 1-worker end-to-end run's CPU
   (the worker process and its children, psutil) once those are taken away;
7. language identification alone, old against new, with a fastText peer (``benchmarks.langid``).

Throughput is compared only as ratios taken in this run: the machine is shared and noisy.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import psutil
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from benchmarks.corpus import generate, short_articles
from coopwire.broker import LocalBroker, free_port
from schemas import RawArticle, decode_json, encode

PARTITIONS = 4
Report = Callable[[str], None]


# -- 1. the in-process limit ------------------------------------------------------------------


def _limit_worker(
    articles: list[RawArticle],
    batch: int,
    barrier: mp.Barrier,
    results: mp.Queue,
    reference_language: bool,
    without_pipelines: tuple[str, ...] = (),
) -> None:
    from processors.enrichment import Enricher
    from processors.enrichment.events import cooperation_events

    if without_pipelines:  # this forked process only: those languages fall back to rules
        import processors.enrichment.models as models

        for lang in without_pipelines:
            models.SPACY_PIPELINES[lang] = ()
        models.pipeline_package.cache_clear()
        models.load_pipeline.cache_clear()
    if reference_language:  # this forked process only: the identifier of pipeline 0.3.0
        import processors.enrichment.pipeline as pipeline
        from benchmarks.langid import detect_language_langdetect

        pipeline.detect_language = detect_language_langdetect  # type: ignore[assignment]
    enricher = Enricher(batch_size=batch)
    enricher.warm_up()  # every language's models and automata before the clock starts, as the
    enricher.enrich_many(articles[:4])  # worker does before it joins its group
    raw = [encode(a) for a in articles]
    enricher.cpu_seconds.clear()
    barrier.wait()
    started = time.perf_counter()
    enriched = []
    for i in range(0, len(articles), batch):
        enriched.extend(enricher.enrich_many(articles[i : i + batch]))
    elapsed = time.perf_counter() - started
    # What the worker adds around enrichment without Kafka: decode, encode, events. Timed
    # after the clock, so the limit stays the limit of enrichment alone.
    begun = time.process_time()
    for data in raw:
        RawArticle.model_validate(decode_json(data))
    for article in enriched:
        encode(article)
        for event in cooperation_events(article):
            encode(event)
    stages = {**enricher.cpu_seconds, "serialisation": time.process_time() - begun}
    results.put((elapsed, stages))


@dataclass
class Limit:
    throughput: float
    cpu_ms_per_article: dict[str, float]  # per stage, all processes together


def in_process_limit(
    articles: Sequence[RawArticle],
    processes: int,
    batch: int = 16,
    reference: bool = False,
    without_pipelines: tuple[str, ...] = (),
) -> Limit:
    """Articles per second when ``processes`` processes only enrich (the CPU limit);
    ``without_pipelines`` turns those languages' spaCy pipelines off (what they cost).

    The processes are spawned, as the worker's enrichment process is: a child forked from
    this process inherits its heap (the benchmark's articles, clients and results), and every
    garbage collection in it walks that heap too. Forked, the same enrichment measured 6 to 13%
    slower than spawned, in interleaved probes, which made the limit lower than the worker."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results: mp.Queue = ctx.Queue()
    shares = [list(articles[i::processes]) for i in range(processes)]
    procs = [
        ctx.Process(
            target=_limit_worker,
            args=(share, batch, barrier, results, reference, without_pipelines),
        )
        for share in shares
    ]
    for proc in procs:
        proc.start()
    answers = [results.get(timeout=3600) for _ in procs]
    for proc in procs:
        proc.join()
    stages: dict[str, float] = {}
    for _, spent in answers:
        for stage, seconds in spent.items():
            stages[stage] = stages.get(stage, 0.0) + 1000 * seconds / len(articles)
    return Limit(len(articles) / max(elapsed for elapsed, _ in answers), stages)


# -- Kafka plumbing ---------------------------------------------------------------------------


@dataclass
class Outputs:
    """Everything seen on an output topic: receipt time and record timestamp per key."""

    received_at: dict[str, float] = field(default_factory=dict)
    record_ts_ms: dict[str, int] = field(default_factory=dict)


def create_topics(bootstrap: str, names: Sequence[str]) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names])
    finally:
        admin.close()


def watch(bootstrap: str, topic: str) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=50
    )
    parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    return consumer


def collect(
    consumer: KafkaConsumer,
    outputs: Outputs,
    wanted: set[str],
    timeout: float,
    alive: Callable[[], None] = lambda: None,
) -> None:
    deadline = time.monotonic() + timeout
    while not wanted <= outputs.received_at.keys():
        if time.monotonic() > deadline:
            missing = len(wanted - outputs.received_at.keys())
            raise TimeoutError(f"{missing} of {len(wanted)} outputs missing after {timeout}s")
        alive()
        for records in consumer.poll(timeout_ms=100).values():
            now = time.perf_counter()
            for record in records:
                key = record.key.decode()
                outputs.received_at.setdefault(key, now)
                outputs.record_ts_ms.setdefault(key, record.timestamp)


def produce(
    bootstrap: str,
    topic: str,
    articles: Sequence[RawArticle],
    rate: float | None = None,
    partition: Callable[[int], int | None] = lambda i: None,
) -> dict[str, int]:
    """Send articles (paced at ``rate`` per second when given); return record timestamps."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        compression_type="gzip",
        batch_size=256 * 1024,
    )
    futures = []
    started = time.perf_counter()
    for i, article in enumerate(articles):
        if rate:
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        futures.append(
            (
                article.id,
                producer.send(
                    topic, key=article.id.encode(), value=encode(article), partition=partition(i)
                ),
            )
        )
    producer.flush()
    stamps = {key: future.get(timeout=60).timestamp for key, future in futures}
    producer.close()
    return stamps


def group_ready(bootstrap: str, group: str, members: int, timeout: float = 120) -> None:
    """Wait until ``members`` consumers hold all partitions, so no rebalance hits the clock."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                info = admin.describe_groups([group]).get(group, {})
            except Exception:  # the group does not exist until the first member joins
                info = {}
            state = str(info.get("group_state", info.get("state", "")))
            if state.lower() == "stable" and len(info.get("members", [])) == members:
                return
            time.sleep(0.5)
    finally:
        admin.close()
    raise TimeoutError(f"consumer group {group} not stable with {members} members")


# -- processes under test ---------------------------------------------------------------------


@dataclass
class Processes:
    procs: list[subprocess.Popen[bytes]]
    group: str

    def alive(self) -> None:
        for proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"process {proc.args} exited with {proc.returncode}")

    def cpu_seconds(self) -> float:
        """CPU time (user and system) of the processes and of all their children so far."""
        total = 0.0
        for proc in self.procs:
            try:
                parent = psutil.Process(proc.pid)
                for one in [parent, *parent.children(recursive=True)]:
                    times = one.cpu_times()
                    total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def start_coopwire(
    bootstrap: str,
    source: str,
    target: str,
    workdir: Path,
    count: int,
    log: Path,
    extra_env: dict[str, str] | None = None,
) -> Processes:
    group = f"bench-coopwire-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        **(extra_env or {}),
        "COOPWIRE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "COOPWIRE_TOPIC_RAW": source,
        "COOPWIRE_TOPIC_ENRICHED": target,
        "COOPWIRE_TOPIC_EVENTS": f"{target}.events",
        "COOPWIRE_TOPIC_DLQ": f"{target}.dlq",
        "COOPWIRE_APP_ID": group,
        "COOPWIRE_TOPIC_PARTITIONS": str(PARTITIONS),
        "COOPWIRE_LOG_LEVEL": "warning",
        "COOPWIRE_SINK_URL": f"sqlite:///{workdir / (group + '.db')}",
        "COOPWIRE_DATA_DIR": str(workdir / group),
    }
    procs = []
    for _ in range(count):
        env["COOPWIRE_WEB_PORT"] = str(free_port())
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "coopwire.cli", "worker"],
                env=dict(env),
                stdout=log.open("ab"),
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        )
    return Processes(procs, group)


def start_peer(
    kind: str, bootstrap: str, source: str, target: str, count: int, log: Path
) -> Processes:
    group = f"bench-{kind}-{uuid.uuid4().hex[:6]}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.peers",
                kind,
                "--bootstrap",
                bootstrap,
                "--source",
                source,
                "--target",
                target,
                "--group",
                group,
                "--state-dir",
                str(log.parent / f"{group}-state"),
            ],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    return Processes(procs, group)


Starter = Callable[[str, str], Processes]


@dataclass
class Run:
    throughput: float
    latencies_ms: list[float]
    processes: Processes
    source: str
    target: str
    cpu_ms_per_article: float


def run_stream(
    bootstrap: str,
    starter: Starter,
    members: int,
    articles: Sequence[RawArticle],
    rate: float | None = None,
    keep: bool = False,
) -> Run:
    """Start processes, warm every partition up, then time ``articles`` end to end."""
    tag = uuid.uuid4().hex[:6]
    source, target = f"bench.{tag}.raw", f"bench.{tag}.out"
    create_topics(bootstrap, [source, target, f"{target}.events", f"{target}.dlq"])
    consumer = watch(bootstrap, target)
    processes = starter(source, target)
    try:
        group_ready(bootstrap, processes.group, members)
        warm = generate(PARTITIONS, seed=99, prefix=f"warm-{tag}", max_chars=800)
        produce(bootstrap, source, warm, partition=lambda i: i)
        outputs = Outputs()
        collect(consumer, outputs, {a.id for a in warm}, 300, processes.alive)
        cpu_before = processes.cpu_seconds()
        started = time.perf_counter()
        sent = produce(bootstrap, source, articles, rate=rate)
        collect(consumer, outputs, {a.id for a in articles}, 3600, processes.alive)
        cpu = processes.cpu_seconds() - cpu_before
        finished = max(outputs.received_at[a.id] for a in articles)
        latencies = [float(outputs.record_ts_ms[k] - ts) for k, ts in sent.items()]
    finally:
        consumer.close()
        if not keep:
            processes.stop()
    throughput = len(articles) / (finished - started)
    return Run(throughput, latencies, processes, source, target, 1000 * cpu / len(articles))


def descendants(pid: int) -> list[int]:
    """``pid``'s children, grandchildren, ... (the worker's enrichment process among them)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


def peak_rss_mb(pid: int) -> float:
    """Peak RSS (VmHWM) of ``pid`` plus that of every process under it, in MB: the worker
    counts with its enrichment process. A sum of peaks, so never below the real peak."""
    total = 0.0
    for one in [pid, *descendants(pid)]:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    if total == 0:
        raise RuntimeError("no VmHWM")
    return total


def rss_growth(bootstrap: str, workdir: Path, small: int, report: Report) -> dict[str, float]:
    """Peak RSS of one worker after ``small`` and after ``10 * small`` short articles."""
    log = workdir / "rss-worker.log"
    first = short_articles(small, prefix="rss-a")
    rest = short_articles(9 * small, seed=12, prefix="rss-b")
    run = run_stream(
        bootstrap,
        lambda s, t: start_coopwire(bootstrap, s, t, workdir, 1, log),
        1,
        first,
        keep=True,
    )
    try:
        pid = run.processes.procs[0].pid
        processes = 1 + len(descendants(pid))
        after_small = peak_rss_mb(pid)
        report(f"  peak RSS after {small}: {after_small:.0f} MB ({processes} processes)")
        consumer = watch(bootstrap, run.target)
        produce(bootstrap, run.source, rest)
        collect(consumer, Outputs(), {a.id for a in rest}, 3600, run.processes.alive)
        consumer.close()
        after_large = peak_rss_mb(pid)
    finally:
        run.processes.stop()
    return {
        "processes": processes,
        "articles_small": small,
        "articles_large": 10 * small,
        "peak_rss_mb_small": after_small,
        "peak_rss_mb_large": after_large,
        "growth": after_large / after_small - 1,
    }


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def cpu_shares(stages: Sequence[dict[str, float]], worker: Sequence[float]) -> dict:
    """Median CPU ms per article of each in-process stage and of the 1-worker run, and each
    one's share of the worker's. What the worker spends beyond the in-process stages is
    Kafka, the stream framework and the sink (never below 0: the two come from different
    runs of a noisy machine)."""
    names = sorted({name for sample in stages for name in sample})
    ms = {name: statistics.median(s.get(name, 0.0) for s in stages) for name in names}
    total = statistics.median(worker)
    ms["kafka_framework_sink"] = max(0.0, total - sum(ms.values()))
    return {
        "worker_ms_per_article": total,
        "ms_per_article": ms,
        "share": {name: value / total for name, value in ms.items()},
    }


# -- the whole benchmark ----------------------------------------------------------------------


def run_benchmark(
    n: int,
    rss_small: int,
    out: Path,
    bootstrap: str | None,
    report: Report = print,
    rounds: int = 3,
    in_process_too: bool = False,
) -> dict:
    articles = generate(n)
    workdir = Path(tempfile.mkdtemp(prefix="coopwire-bench-"))
    broker = None
    if bootstrap is None:
        broker = LocalBroker(home=workdir / "kafka", port=free_port(), controller_port=free_port())
        broker.start()
        bootstrap = broker.bootstrap_servers
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "processor": platform.processor(),
        },
        "articles": n,
        "mean_chars": statistics.mean(len(a.text) for a in articles),
    }
    try:
        log = workdir / "processes.log"
        # The machine's speed drifts (shared host): every configuration runs once per round,
        # rounds interleave them, and the median of the rounds is reported.
        stage_samples: list[dict[str, float]] = []
        worker_cpu_samples: list[float] = []

        def limit_1p() -> float:
            limit = in_process_limit(articles, 1)
            stage_samples.append(limit.cpu_ms_per_article)
            return limit.throughput

        def coopwire(workers: int) -> float:
            run = run_stream(
                bootstrap,
                lambda s, t: start_coopwire(bootstrap, s, t, workdir, workers, log),
                workers,
                articles,
            )
            if workers == 1:
                worker_cpu_samples.append(run.cpu_ms_per_article)
            return run.throughput

        measures: dict[str, Callable[[], float]] = {
            "limit_1p": limit_1p,
            "limit_2p": lambda: in_process_limit(articles, 2).throughput,
            "limit_1p_langdetect": lambda: in_process_limit(articles, 1, reference=True).throughput,
            # What English NER costs: the same limit with English left to the rules.
            "limit_1p_no_english_ner": lambda: (
                in_process_limit(articles, 1, without_pipelines=("en",)).throughput
            ),
        }
        for workers in (1, 2):
            measures[f"coopwire_{workers}w"] = lambda w=workers: coopwire(w)
        if in_process_too:
            # The same workers with enrichment in their own process (the design before the
            # child process), interleaved with the rest: before and after in one run.
            in_process = {"COOPWIRE_WORKER_ENRICHMENT_PROCESS": "false"}
            for workers in (1, 2):
                measures[f"coopwire_{workers}w_in_process"] = lambda w=workers: (
                    run_stream(
                        bootstrap,
                        lambda s, t: start_coopwire(
                            bootstrap, s, t, workdir, w, log, extra_env=in_process
                        ),
                        w,
                        articles,
                    ).throughput
                )
        for peer in ("kafka-python", "quix"):
            measures[f"{peer}_1p"] = lambda p=peer: (
                run_stream(
                    bootstrap, lambda s, t: start_peer(p, bootstrap, s, t, 1, log), 1, articles
                ).throughput
            )
        samples: dict[str, list[float]] = {name: [] for name in measures}
        for round_ in range(1, rounds + 1):
            for name, measure in measures.items():
                samples[name].append(measure())
                report(f"round {round_}/{rounds}: {name} {samples[name][-1]:.1f} articles/s")
        for name, values in samples.items():
            results[name] = statistics.median(values)
        results["rounds"] = rounds
        results["samples"] = samples
        results["cpu"] = cpu_shares(stage_samples, worker_cpu_samples)
        report(f"CPU per article: {results['cpu']}")
        from benchmarks.langid import labelled_texts, measure

        results["langid"] = measure(labelled_texts(), rounds=rounds)
        report(f"language identification: {results['langid']['article']}")
        rate = results["coopwire_1w"] / 2
        run = run_stream(
            bootstrap,
            lambda s, t: start_coopwire(bootstrap, s, t, workdir, 1, log),
            1,
            generate(n, seed=8, prefix="lat"),
            rate=rate,
        )
        results["latency"] = {
            "rate_per_s": rate,
            "p50_ms": percentile(run.latencies_ms, 50),
            "p95_ms": percentile(run.latencies_ms, 95),
            "p99_ms": percentile(run.latencies_ms, 99),
            "max_ms": max(run.latencies_ms),
        }
        report(f"latency at {rate:.1f}/s: {results['latency']}")
        results["rss"] = rss_growth(bootstrap, workdir, rss_small, report)
        report(f"RSS: {results['rss']}")
    finally:
        if broker is not None:
            broker.stop()
    results["ratios"] = {
        "e2e_vs_limit_1": results["coopwire_1w"] / results["limit_1p"],
        "e2e_vs_limit_2": results["coopwire_2w"] / results["limit_2p"],
        "coopwire_vs_kafka_python": results["coopwire_1w"] / results["kafka-python_1p"],
        "coopwire_vs_quix": results["coopwire_1w"] / results["quix_1p"],
        "limit_vs_langdetect_limit": results["limit_1p"] / results["limit_1p_langdetect"],
        "limit_english_ner_on_vs_off": results["limit_1p"] / results["limit_1p_no_english_ner"],
        "langid_speedup": results["langid"]["article"]["speedup"],
    }
    if in_process_too:
        for workers in (1, 2):
            results["ratios"][f"child_vs_in_process_{workers}w"] = (
                results[f"coopwire_{workers}w"] / results[f"coopwire_{workers}w_in_process"]
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    return results
