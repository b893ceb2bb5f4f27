#!/usr/bin/env bash
# Submit the split job to any Spark master, shipping splitlib and its task-side dependencies
# to executors that do not have them installed.
#
#   deploy/submit.sh MASTER CONFIG [split job options...]
#   deploy/submit.sh spark://10.0.0.5:7077 split.toml --out s3://bucket/splits/v1
#   deploy/submit.sh local[2] split.toml --input corpus/ --out out/run
#   deploy/submit.sh --pack          # only build what executors get; prints the two paths
#
# How: the executors' Python environment is a virtual environment holding splitlib's
# dependencies (pyproject.toml) but those of deploy/driver-only.txt, pinned to the versions
# of the submitting environment, packed into a .tar.gz that spark-submit ships with
# --archives and every executor unpacks as ./environment (spark.pyspark.python points at
# its interpreter); splitlib's own code (pure Python) goes as a zip unpacked beside it, on
# the executors' PYTHONPATH. The archive is built once per (pins, Python), the zip
# whenever the code changes; both are reused from
# $SPLITLIB_DEPLOY_CACHE (default .cache/deploy). Executors need only the same Python
# version at the same path as the submitting machine (a venv links to its base
# interpreter): true of nodes built from one image; otherwise use docker/split.Dockerfile.
#
# The driver runs here (client mode) with $SPLITLIB_PYTHON (default: the python3 on PATH),
# which must have splitlib installed. Extra spark-submit options go in $SPARK_SUBMIT_OPTS_EXTRA
# (e.g. "--conf spark.executor.memory=2g"); SPARK_HOME defaults to the one pyspark ships.
set -euo pipefail

die() {
  echo "deploy/submit.sh: error: $*" >&2
  exit 2
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${SPLITLIB_PYTHON:-python3}
"$python" -c "import splitlib, pyspark" 2>/dev/null ||
  die "$python cannot import splitlib and pyspark; set SPLITLIB_PYTHON to the interpreter" \
    "of the environment splitlib is installed in (e.g. .venv/bin/python)"
cache=${SPLITLIB_DEPLOY_CACHE:-$root/.cache/deploy}

# What executors need, built when missing, printed as two lines:
#   1. a packed virtual environment with the compiled dependencies (pinned to this
#      environment's versions), keyed on those pins and the Python version: built once;
#   2. a zip of splitlib's own code (splitlib/, jobs/, udfs/, pure Python), keyed on its
#      contents: rebuilt in a second whenever the code changes.
pack() {
  local pins base key archive code build site
  pins=$("$python" - "$root/pyproject.toml" "$root/deploy/driver-only.txt" <<'EOF'
import re, sys
from importlib.metadata import version
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the TOML reader pip carries
    from pip._vendor import tomli as tomllib
dependencies = tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]
driver_only = {line.split("#")[0].strip().lower() for line in open(sys.argv[2])}
for requirement in dependencies:
    name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)
    if name.lower() not in driver_only:
        print(f"{name}=={version(name)}")
EOF
  )
  base=$("$python" -c "import sys; print(getattr(sys, '_base_executable', sys.executable))")
  key=$({ echo "$pins"; "$base" --version; } | sha256sum | cut -c1-16)
  archive=$cache/splitlib-env-$key.tar.gz
  mkdir -p "$cache"
  if [[ ! -f $archive ]]; then
    echo "deploy/submit.sh: packing the executor environment into $archive" >&2
    build=$(mktemp -d "$cache/build.XXXXXX")
    # shellcheck disable=SC2064  # expand $build now
    trap "rm -rf '$build'" EXIT
    "$base" -m venv --without-pip "$build/env"
    # uv beside the interpreter (make setup puts it there) installs in seconds; pip otherwise
    uv=$(dirname "$(command -v "$python")")/uv
    # shellcheck disable=SC2086  # one argument per pin
    if [[ -x $uv ]]; then
      "$uv" pip install -q --python "$build/env/bin/python" $pins >&2
    else
      "$python" -m pip --python "$build/env/bin/python" install -q --no-compile \
        --disable-pip-version-check $pins >&2
    fi
    # bytecode is rebuilt on demand, and no task imports a package's own test suite
    site=$(echo "$build"/env/lib/python3*/site-packages)
    find "$site" -name __pycache__ -type d -prune -exec rm -rf {} +
    find "$site" -mindepth 2 -maxdepth 3 -name tests -type d -prune -exec rm -rf {} +
    tar -cf - -C "$build/env" . | gzip -1 >"$archive.part"
    mv "$archive.part" "$archive"
    rm -rf "$build"
    trap - EXIT
    # environments of other versions are this script's own files: drop those a day old
    find "$cache" -maxdepth 1 -name 'splitlib-env-*.tar.gz' ! -name "${archive##*/}" -mmin +1440 -delete
  fi
  key=$(cd "$root" && find splitlib jobs udfs -name '*.py' -print0 | sort -z |
    xargs -0 sha256sum | sha256sum | cut -c1-16)
  code=$cache/splitlib-code-$key.zip
  if [[ ! -f $code ]]; then
    (cd "$root" && "$python" - "$code.part" <<'EOF'
import pathlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for top in ("splitlib", "jobs", "udfs"):
        for path in sorted(pathlib.Path(top).rglob("*.py")):
            z.write(path)
EOF
    )
    mv "$code.part" "$code"
    find "$cache" -maxdepth 1 -name 'splitlib-code-*.zip' ! -name "${code##*/}" -mmin +1440 -delete
  fi
  echo "$archive"
  echo "$code"
}

if [[ ${1:-} == --pack ]]; then
  pack
  exit 0
fi
[[ $# -ge 2 ]] || die "usage: deploy/submit.sh MASTER CONFIG [split job options...]"
master=$1
config=$2
shift 2
[[ -f $config ]] || die "config file $config does not exist; pass a TOML or YAML file"

spark_home=${SPARK_HOME:-$("$python" -c "import os, pyspark; print(os.path.dirname(pyspark.__file__))")}
submit=("$spark_home/bin/spark-submit" --master "$master" --name splitlib
  # the driver's JVM starts before splitlib runs: give it splitlib's quiet logging here, and
  # the options SPLITLIB_JAVA_OPTIONS gives splitlib's own local JVMs
  --driver-java-options "-Dlog4j.configurationFile=file:$root/splitlib/conf/log4j2.properties ${SPLITLIB_JAVA_OPTIONS:-}"
  --conf "spark.pyspark.driver.python=$python")
if [[ $master == local* ]]; then
  # local mode: the executors are this process and run this environment; nothing to ship
  submit+=(--conf "spark.pyspark.python=$python")
else
  shipped=$(pack)
  # the code goes as an archive on the executors' PYTHONPATH, not with --py-files, which
  # would also put the zip before the installed splitlib on the driver
  submit+=(--archives "$(head -1 <<<"$shipped")#environment,$(tail -1 <<<"$shipped")#splitlib-code"
    --conf spark.pyspark.python=./environment/bin/python
    --conf spark.executorEnv.PYTHONPATH=splitlib-code)
fi
# shellcheck disable=SC2086  # SPARK_SUBMIT_OPTS_EXTRA is a list of options
exec "${submit[@]}" ${SPARK_SUBMIT_OPTS_EXTRA:-} "$root/jobs/split.py" --config "$config" "$@"
