#!/usr/bin/env bash
# make test-modern: the whole test suite under the Pythons learners install today, 3.14 and 3.15
# (both default to forkserver on Linux). No installer here can download an interpreter, but
# Debian's development suite packages both: debootstrap it into a cache folder (reused when
# present), install the interpreters there, copy the repository in, and run pytest with each in
# the chroot. Skips loudly, and exits 0, where the machine is not Debian or we are not root.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
suite=${MODERN_SUITE:-sid}
pythons=${MODERN_PYTHONS:-"3.14 3.15"}
root=${MODERN_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/accelerating-python/debian-$suite}

skip() {
  echo "!!!!!!!! test-modern skipped: $1 !!!!!!!!"
  echo "!!!!!!!! Python $pythons did not run; see README.md, 'Tests' !!!!!!!!"
  exit 0
}
[ -r /etc/debian_version ] || skip "not a Debian machine"
[ "$(id -u)" = 0 ] || skip "debootstrap and chroot need root"

# The mirror the machine itself uses (deb822 .sources files or the classic sources.list).
mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' \
  | grep -v security | head -n 1 || true)
[ -n "$mirror" ] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' \
  | grep -v security | head -n 1 || true)
[ -n "$mirror" ] || skip "no Debian mirror in /etc/apt/sources.list(.d)"

packages="ca-certificates,gcc,libc6-dev,make"
for version in $pythons; do
  packages="$packages,python$version,python$version-venv,python$version-dev"
done
if [ ! -x "$root/usr/bin/python${pythons##* }" ]; then
  command -v debootstrap >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
  }
  echo "== debootstrap $suite from $mirror into $root (once; reused afterwards)"
  rm -rf "$root" && mkdir -p "$root"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
    > "$root.log" 2>&1 || { tail -n 30 "$root.log"; exit 1; }
fi

mounted=()
cleanup() {
  for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
for target in proc sys dev dev/shm; do
  mkdir -p "$root/$target"
  case $target in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount --bind /sys "$root/sys" ;;  # MPI's UCX lists /sys/class/net
    dev/shm) mount -t tmpfs -o size=2g shm "$root/dev/shm" ;;
    *) mount --bind "/$target" "$root/$target" ;;
  esac
  mounted+=("$root/$target")
done
# pip in the chroot reaches the registry as the host does: same CA bundle, no host folders.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

status=0
for version in $pythons; do
  work="$root/work/course-$version"
  rm -rf "$work" && mkdir -p "$work"
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar -c --null -T - 2>/dev/null) \
    | tar -x -C "$work"
  start=$(date +%s)
  echo "== Python $version in $suite: $(chroot "$root" "python$version" --version)"
  if chroot "$root" env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 \
      PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
      bash -c "cd /work/course-$version && python$version -m venv /work/venv-$version \
        && /work/venv-$version/bin/python -m pip install --quiet -e '.[test]' \
        && /work/venv-$version/bin/python -m pytest -q -p no:cacheprovider"; then
    echo "== Python $version: passed in $(( $(date +%s) - start )) s"
  else
    echo "== Python $version: FAILED after $(( $(date +%s) - start )) s"
    status=1
  fi
done
exit $status
