"""Reads the collector's objects straight from S3 with DuckDB, as docs/querying.md shows.

Run with the python of the venv that `npm run setup-tests` makes (dev/infra/binaries.ts
ensureDuckdb). Input on stdin, JSON:
  {"endpoint": "127.0.0.1:17070", "region": "us-east-1", "accessKeyId": "...",
   "secretAccessKey": "...", "bucket": "...", "prefixes": [{"prefix": "hive/", "hive": true}]}
Output on stdout, JSON: DuckDB's version and, per prefix, the events, distinct IDs, objects (keys),
events with an `attributes.time`, and for hive prefixes the events per (dt, hour) partition.

Nothing is downloaded: httpfs is loaded by path from the duckdb-ext-httpfs package (built for this
DuckDB version), and DuckDB's automatic extension install and load are off and locked.
"""

import json
import sys
from pathlib import Path

import duckdb
import duckdb_ext  # namespace package of duckdb-ext-httpfs: duckdb_ext/extensions/v<version>/<platform>/


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def connect(request: dict) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    platform = con.execute("PRAGMA platform").fetchone()[0]
    candidates = [Path(p) / "extensions" / f"v{duckdb.__version__}" / platform / "httpfs.duckdb_extension" for p in duckdb_ext.__path__]
    extension = next((c for c in candidates if c.is_file()), None)
    if extension is None:
        sys.exit(f"no httpfs extension for DuckDB {duckdb.__version__} on {platform} in {[str(c) for c in candidates]}")
    con.execute(f"LOAD {sql_text(str(extension))}")
    con.execute(
        "CREATE SECRET test_s3 (TYPE s3, "
        f"KEY_ID {sql_text(request['accessKeyId'])}, SECRET {sql_text(request['secretAccessKey'])}, "
        f"REGION {sql_text(request['region'])}, ENDPOINT {sql_text(request['endpoint'])}, "
        "URL_STYLE 'path', USE_SSL false)"
    )
    con.execute("SET lock_configuration = true")
    return con


def query_prefix(con: duckdb.DuckDBPyConnection, bucket: str, prefix: str, hive: bool) -> dict:
    # The query of docs/querying.md.
    source = (
        f"read_json({sql_text(f's3://{bucket}/{prefix}**/*.json.zst')}, format = 'newline_delimited', "
        f"compression = 'zstd', filename = true, hive_partitioning = {'true' if hive else 'false'})"
    )
    events, ids, timed = con.execute(f"SELECT count(*), count(DISTINCT id), count(attributes.time) FROM {source}").fetchone()
    keys = [row[0] for row in con.execute(f"SELECT DISTINCT filename FROM {source} ORDER BY 1").fetchall()]
    out = {"events": events, "ids": ids, "timed": timed, "keys": [k.removeprefix(f"s3://{bucket}/") for k in keys]}
    if hive:
        rows = con.execute(f"SELECT CAST(dt AS VARCHAR), CAST(hour AS VARCHAR), count(*) FROM {source} GROUP BY ALL ORDER BY ALL").fetchall()
        out["partitions"] = [{"dt": dt, "hour": hour, "events": n} for dt, hour, n in rows]
    return out


def main() -> None:
    request = json.load(sys.stdin)
    con = connect(request)
    results = {p["prefix"]: query_prefix(con, request["bucket"], p["prefix"], bool(p.get("hive"))) for p in request["prefixes"]}
    loaded = con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded AND install_path <> '(BUILT-IN)' ORDER BY 1").fetchall()
    json.dump({"duckdb": duckdb.__version__, "loadedExtensions": [r[0] for r in loaded], "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
