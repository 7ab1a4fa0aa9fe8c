#!/usr/bin/env bash
# make test-modern: the unit tests and every notebook under the Pythons learners install today,
# 3.14 and 3.15 (both default to forkserver on Linux). No installer here can download an
# interpreter, but Debian's development suite packages both: debootstrap it into a cache folder
# (reused when present), install the interpreters there, copy the repository in, and run pytest
# with each in the chroot. Skips loudly, and exits 0, where the machine is not Debian or we are
# not root.
#
#   bash tools/test_modern.sh prepare   # the chroot and each Python's venv (cached), no tests
#   bash tools/test_modern.sh test      # prepare, then each leg: unit tests, then the notebooks
#
# Each leg in MODERN_LEGS is PYTHON:LIMIT:NEIGHBOUR:FRONT_END. LIMIT affinity pins the notebooks
# to one CPU (taskset -c 0); quota gives them one CPU's worth of time per 100 ms period and 2 GB,
# with the cgroup controllers, as Binder does (tools/cpu_quota.py); none leaves them the machine.
# NEIGHBOUR busy runs them beside tools/busy_neighbour.py. FRONT_END nbval runs every notebook
# once (pytest notebooks, conftest.py's rules); rerun runs each twice in one kernel
# (pytest -m rerun tests/rerun). The unit tests run on the whole machine, quiet: those of helpers/
# and their docstring examples, the workers' lean imports, and where nbval runs the notebooks its
# rules; tests/course's checks of the repository itself (files, tables, scaffold) read the same
# files under any interpreter and run once, in 3.11's make test.
# helpers/course/ci_legs.py declares the same legs (a test compares).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
step=${1:-test}
suite=${MODERN_SUITE:-sid}
legs=${MODERN_LEGS:-"3.14:affinity:quiet:rerun 3.15:quota:busy:nbval"}
root=${MODERN_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/accelerating-python/debian-$suite}
pythons=$(for leg in $legs; do echo "${leg%%:*}"; done)
for leg in $legs; do
  [[ $leg =~ ^3\.[0-9]+:(affinity|quota|none):(quiet|busy):(nbval|rerun)$ ]] || {
    echo "MODERN_LEGS: '$leg' is not PYTHON:affinity|quota|none:quiet|busy:nbval|rerun" >&2
    exit 2
  }
done

skip() {
  echo "!!!!!!!! test-modern skipped: $1 !!!!!!!!"
  echo "!!!!!!!! Python" $pythons "did not run; see README.md, 'Tests' !!!!!!!!"
  exit 0
}
[ -r /etc/debian_version ] || skip "not a Debian machine"
[ "$(id -u)" = 0 ] || skip "debootstrap and chroot need root"
case $step in prepare|test) ;; *) echo "usage: $0 [prepare|test]" >&2; exit 2 ;; esac

# The mirror the machine itself uses (deb822 .sources files or the classic sources.list).
mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' \
  | grep -v security | head -n 1 || true)
[ -n "$mirror" ] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' \
  | grep -v security | head -n 1 || true)
[ -n "$mirror" ] || skip "no Debian mirror in /etc/apt/sources.list(.d)"

# gcc and the headers: for a dependency that publishes no wheel yet for the newest Python.
packages="ca-certificates,gcc,libc6-dev,make"
for version in $pythons; do
  packages="$packages,python$version,python$version-venv,python$version-dev"
done
have_all() { for v in $pythons; do [ -x "$root/usr/bin/python$v" ] || return 1; done; }
if ! have_all; then
  command -v debootstrap >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
  }
  echo "== debootstrap $suite from $mirror into $root (once; reused afterwards)"
  started=$(date +%s)
  rm -rf "$root" && mkdir -p "$root"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
    > "$root.log" 2>&1 || { tail -n 30 "$root.log"; exit 1; }
  echo "== debootstrap took $(( $(date +%s) - started )) s"
fi

mounted=()
cleanup() {
  for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
for target in proc sys dev dev/pts dev/shm; do
  mkdir -p "$root/$target"
  case $target in
    proc) mount -t proc proc "$root/proc" ;;
    # With the cgroup file systems below it: MPI's UCX lists /sys/class/net, and a notebook
    # reads its CPU quota from /sys/fs/cgroup.
    sys) mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" ;;
    dev/shm) mount -t tmpfs -o size=2g shm "$root/dev/shm" ;;
    *) mount --bind "/$target" "$root/$target" ;;  # dev/pts: pseudo-terminals (13's pty)
  esac
  mounted+=("$root/$target")
done
# pip in the chroot reaches the registry as the host does: same CA bundle, no host folders.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

# A clean environment inside, with only what the tests read passed through.
in_chroot() {
  chroot "$root" env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 "$@"
}

# The repository as a fresh copy, and a venv that is rebuilt only when pyproject.toml changes.
prepare() {
  local version=$1 work="$root/work/course-$1" venv="/work/venv-$1" stamp
  rm -rf "$work" && mkdir -p "$work"
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar -c --null -T - 2>/dev/null) \
    | tar -x -C "$work"
  stamp=$(sha256sum "$repo/pyproject.toml" | cut -c1-16)
  if [ "$(cat "$root$venv/.stamp" 2>/dev/null)" = "$stamp" ]; then
    in_chroot "$venv/bin/python" -m pip install --quiet --no-deps -e "/work/course-$version"
  else
    rm -rf "${root:?}$venv"
    in_chroot bash -c "python$version -m venv $venv \
      && $venv/bin/python -m pip install --quiet -e '/work/course-$version[test]'"
    echo "$stamp" > "$root$venv/.stamp"
  fi
}

status=0
for leg in $legs; do
  IFS=: read -r version limit neighbour front_end <<< "$leg"
  started=$(date +%s)
  prepare "$version"
  echo "== Python $version in $suite: $(chroot "$root" "python$version" --version)," \
    "ready in $(( $(date +%s) - started )) s"
  [ "$step" = test ] || continue
  label=()
  [ -n "${COURSE_CI_LEG:-}" ] && label=("COURSE_CI_LEG=$COURSE_CI_LEG-$version")
  pin=()
  [ "$limit" = affinity ] && pin=(taskset -c 0)
  [ "$limit" = quota ] && pin=(python3 "$repo/tools/cpu_quota.py" --cpus 1 --memory 2G --)
  neighbour_run=() budget=60
  [ "$neighbour" = busy ] && neighbour_run=("python$version" tools/busy_neighbour.py --) budget=90
  cd_work="cd /work/course-$version &&"
  notebooks=notebooks
  [ "$front_end" = rerun ] && notebooks="-m rerun tests/rerun"
  echo "== Python $version: unit tests, then every notebook ($front_end, $limit CPU limit," \
    "$neighbour)"
  unit="tests/toolbox tests/chapters tests/course/test_doctests.py"
  unit="$unit tests/course/test_workers_import_lean.py"
  [ "$front_end" = nbval ] && unit="$unit tests/course/test_nbval_rules.py"
  if in_chroot bash -c "$cd_work /work/venv-$version/bin/python -m pytest -q -p no:cacheprovider $unit" \
      && "${pin[@]}" chroot "$root" env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 \
        "${label[@]}" COURSE_BUDGET_SECONDS=$budget bash -c "$cd_work ${neighbour_run[*]} \
        /work/venv-$version/bin/python -m pytest -q -p no:cacheprovider $notebooks"; then
    echo "== Python $version: passed in $(( $(date +%s) - started )) s"
  else
    echo "== Python $version: FAILED after $(( $(date +%s) - started )) s"
    status=1
  fi
  # What the chroot's runs recorded joins the host's: the notebook report and the CI table.
  work="$root/work/course-$version"
  mkdir -p "$repo/build/ci"
  [ -f "$work/build/notebook_report.md" ] && cat "$work/build/notebook_report.md" >> "$repo/build/notebook_report.md"
  for record in sessions claims; do
    [ -f "$work/build/ci/$record.jsonl" ] && cat "$work/build/ci/$record.jsonl" >> "$repo/build/ci/$record.jsonl"
  done
done
exit $status
