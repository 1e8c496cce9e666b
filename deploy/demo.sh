#!/usr/bin/env bash
# The whole pipeline on one machine without Docker: broker, worker, producer, results, cleanup.
set -euo pipefail
cd "$(dirname "$0")/.."

demo_dir=".coopwire/demo"
rm -rf "$demo_dir" && mkdir -p "$demo_dir"
export COOPWIRE_LOCAL_BROKER_HOME="${demo_dir}/broker"
export COOPWIRE_LOCAL_BROKER_PORT="${COOPWIRE_LOCAL_BROKER_PORT:-19092}"
export COOPWIRE_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:${COOPWIRE_LOCAL_BROKER_PORT}"
export COOPWIRE_SINK_URL="sqlite:///${demo_dir}/coopwire.db"
export COOPWIRE_APP_ID="coopwire-demo-$(date +%s)"
export COOPWIRE_WEB_PORT="${COOPWIRE_WEB_PORT:-16066}"
export COOPWIRE_DATA_DIR="${demo_dir}/data"

worker_pid=""
cleanup() {
  if [ -n "$worker_pid" ] && kill -0 "$worker_pid" 2>/dev/null; then
    kill -TERM "$worker_pid" 2>/dev/null || true
    wait "$worker_pid" 2>/dev/null || true
  fi
  coopwire broker stop || true
}
trap cleanup EXIT

echo "== starting the Kafka broker (KRaft, from Maven jars)"
coopwire broker start

echo "== starting a worker (logs in ${demo_dir}/worker.log)"
coopwire worker > "${demo_dir}/worker.log" 2>&1 &
worker_pid=$!

echo "== producing the sample articles"
coopwire produce samples/articles.jsonl

n=$(grep -c . samples/articles.jsonl)
echo "== enriched articles (waiting for ${n})"
coopwire consume articles.enriched --max "$n" --timeout 120 \
  | python3 -c '
import json, sys
for line in sys.stdin:
    v = json.loads(line)["value"]
    people = sorted({e["canonical"] for e in v["entities"] if e["type"] == "PERSON"})
    pairs = ["-".join(p["countries"]) + ":" + ",".join(p["topics"]) for p in v["cooperation"]["pairs"]]
    ident, lang, countries = v["id"], v["language"]["code"], v["countries"]
    print(f"{ident:32} {lang}  countries={countries} pairs={pairs} persons={people}")
'

echo "== rows in the SQLite sink (${COOPWIRE_SINK_URL})"
python3 - "${demo_dir}/coopwire.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute("SELECT id, language, countries, cooperation_score FROM articles ORDER BY id"):
    print("  ", *row)
print("   entities:", db.execute("SELECT count(*) FROM entities").fetchone()[0],
      " cooperation events:", db.execute("SELECT count(*) FROM cooperation_events").fetchone()[0])
PY
echo "== cooperation report (picture in ${demo_dir}/report.html)"
coopwire report --out "${demo_dir}/report.html"

echo "== done; stopping the worker and the broker"
