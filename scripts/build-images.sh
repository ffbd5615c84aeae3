#!/usr/bin/env bash
# Build the Shiva sandbox images without any container registry.
#
#   scripts/build-images.sh [notebook|notebook-sudo|tiny|all]     (default: all, these three)
#   scripts/build-images.sh ml      shiva/notebook, then shiva/ml on top of it
#   scripts/build-images.sh cuda    shiva/cuda; needs the network (see below)
#
# `all` leaves ml out: it downloads about 400 MB of Debian packages and takes minutes, not
# seconds (docs/images.md). ml is built FROM shiva/notebook:latest, which is built or refreshed
# first; ml's hash includes the notebook image's id, so a new notebook image rebuilds ml.
#
# cuda is the exception to "without any registry": its base is nvidia/cuda from Docker Hub and
# it installs PyTorch from download.pytorch.org and the rest from PyPI while building, so it
# builds only on a machine that reaches those three. Its context is staged like the notebook's
# (the same start files, installed by the same install-start), and no Debian base image is needed.
#
# 1. Ensures the base image debian:bookworm-slim exists locally. When it is
#    missing it is created offline from Debian packages with debootstrap
#    (needs root) and imported with `docker import`.
# 2. Builds images/<name> as shiva/<name>:latest, labelled with
#    org.shiva.context-hash=<sha256 of the build context and target>. A build
#    is skipped when the image exists and carries the same hash.
#    shiva/notebook-sudo is the notebook-sudo stage of images/notebook. Every
#    context also gets images/common (shiva-identity, the passwd entry made at
#    start); notebook's and cuda's have it in start/ with the other start files,
#    which images/notebook/install-start puts in place in both. The tag moves
#    only when a build has succeeded (docker build -t),
#    so tests running meanwhile see the old image or the new one, never none.
#
# The notebook image also takes the browser build of xterm (its terminal page)
# from the clone's node_modules/xterm, the exact version pinned in
# package.json, so run `npm ci` first. Debian's libjs-xterm has no browser
# build. The files are copied into a staged build context (start/vendor), so
# nothing is fetched while building.
#
# Environment:
#   SHIVA_DEBIAN_MIRROR           Debian mirror (default http://deb.debian.org/debian)
#   SHIVA_DEBIAN_SECURITY_MIRROR  security mirror written into the base image's
#                                 apt sources (default http://deb.debian.org/debian-security;
#                                 set to "none" to leave it out)
#   SHIVA_REBUILD=1               rebuild images from scratch (no layer cache)
#                                 even when up to date
#   SHIVA_REBUILD_BASE=1          re-create the base image as well
#
# The legacy builder (DOCKER_BUILDKIT=0) is used on purpose: it resolves
# FROM against local images only, needs no buildx plugin and never contacts
# a registry when the base image is present.
set -euo pipefail

BASE_IMAGE="debian:bookworm-slim"
SUITE="bookworm"
MIRROR="${SHIVA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${SHIVA_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALL_IMAGES=(notebook notebook-sudo tiny)
# The image shiva/ml is built FROM (passed as its BASE).
ML_BASE="shiva/notebook:latest"

log() { printf '[build-images] %s\n' "$*" >&2; }
die() { printf '[build-images] error: %s\n' "$*" >&2; exit 1; }

usage() {
  {
    echo "usage: $0 [notebook|notebook-sudo|tiny|all]   (all: these three; the default)"
    echo "       $0 ml     shiva/notebook, then shiva/ml (Debian's PyTorch, scikit-learn, pandas, matplotlib, MeCab; minutes)"
    echo "       $0 cuda   shiva/cuda (needs network access to Docker Hub, download.pytorch.org and PyPI)"
  } >&2
  exit 64
}

target="${1:-all}"
case "$target" in
  all) images=("${ALL_IMAGES[@]}") ;;
  notebook|notebook-sudo|tiny|cuda) images=("$target") ;;
  ml) images=(notebook ml) ;;
  -h|--help) usage ;;
  *) echo "unknown image: $target" >&2; usage ;;
esac
[ $# -le 1 ] || usage

command -v docker >/dev/null 2>&1 || die "docker is not installed"
docker info >/dev/null 2>&1 || die "cannot talk to the Docker daemon (is dockerd running, and may this user use it?)"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# --------------------------------------------------------------------------
# Base image
# --------------------------------------------------------------------------
tmpdir=""
ctxdir=""
cleanup() {
  if [ -n "$ctxdir" ] && [ -d "$ctxdir" ]; then rm -rf "$ctxdir"; fi
  if [ -n "$tmpdir" ] && [ -d "$tmpdir" ]; then
    # an interrupted debootstrap can leave proc/sys mounted inside the target
    awk -v d="$tmpdir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r \
      | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$tmpdir"
  fi
  [ -z "$tmpdir" ] || rm -f "$tmpdir.log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

create_base_image() {
  [ "$(id -u)" -eq 0 ] || die "$BASE_IMAGE is missing and creating it with debootstrap requires root; re-run as root (e.g. sudo $0 $target)"
  command -v debootstrap >/dev/null 2>&1 || die "$BASE_IMAGE is missing and debootstrap is not installed (apt-get install debootstrap)"

  local started=$SECONDS
  tmpdir="$(mktemp -d "${TMPDIR:-/tmp}/shiva-rootfs.XXXXXX")"
  chmod 755 "$tmpdir"
  log "creating $BASE_IMAGE with debootstrap ($SUITE, minbase, $MIRROR); this takes a minute or more"
  if ! debootstrap --variant=minbase "$SUITE" "$tmpdir" "$MIRROR" >"$tmpdir.log" 2>&1; then
    tail -n 30 "$tmpdir.log" >&2 || true
    rm -f "$tmpdir.log"
    die "debootstrap failed"
  fi
  rm -f "$tmpdir.log"

  log "trimming the root filesystem"
  # apt sources in the same style as the official image
  rm -f "$tmpdir/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$MIRROR" "$SUITE" "$SUITE"
    if [ "$SECURITY_MIRROR" != "none" ]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$SECURITY_MIRROR" "$SUITE"
    fi
  } >"$tmpdir/etc/apt/sources.list.d/debian.sources"

  # keep later package installs small, like the official slim image
  cat >"$tmpdir/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
# drop documentation, man pages and translations from installed packages
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  cat >"$tmpdir/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  cat >"$tmpdir/etc/apt/apt.conf.d/docker-no-languages" <<'CFG'
Acquire::Languages "none";
CFG
  cat >"$tmpdir/etc/apt/apt.conf.d/docker-gzip-indexes" <<'CFG'
Acquire::GzipIndexes "true";
CFG
  cat >"$tmpdir/etc/apt/apt.conf.d/docker-autoremove-suggests" <<'CFG'
Apt::AutoRemove::SuggestsImportant "false";
CFG

  rm -rf "$tmpdir"/var/lib/apt/lists/* \
         "$tmpdir"/var/cache/apt/*.bin \
         "$tmpdir"/var/cache/apt/archives/*.deb \
         "$tmpdir"/var/cache/apt/archives/partial/* \
         "$tmpdir"/var/cache/debconf/*-old \
         "$tmpdir"/var/lib/dpkg/*-old \
         "$tmpdir"/var/log/* \
         "$tmpdir"/tmp/* "$tmpdir"/var/tmp/* \
         "$tmpdir"/root/.cache
  find "$tmpdir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$tmpdir/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$tmpdir"/usr/share/man/* "$tmpdir"/usr/share/info/* \
         "$tmpdir"/usr/share/groff/* "$tmpdir"/usr/share/lintian/* "$tmpdir"/usr/share/linda/*
  find "$tmpdir/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  # the container runtime provides these
  rm -f "$tmpdir/etc/resolv.conf" "$tmpdir/etc/hostname"
  : >"$tmpdir/etc/machine-id" 2>/dev/null || true
  mkdir -p "$tmpdir/var/lib/apt/lists/partial"

  log "importing the root filesystem as $BASE_IMAGE"
  tar --numeric-owner --xattrs -C "$tmpdir" \
      --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./run/*' \
      -c . \
    | docker import \
        --change 'CMD ["bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --message "debootstrap --variant=minbase $SUITE $MIRROR" \
        - "$BASE_IMAGE" >/dev/null
  cleanup
  tmpdir=""
  log "created $BASE_IMAGE ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.0f MB", $1/1000000}')) in $((SECONDS - started))s"
}

# shiva/cuda alone needs no Debian base.
if [ "${images[*]}" = cuda ]; then
  :
elif [ "${SHIVA_REBUILD_BASE:-0}" = 1 ] || ! image_exists "$BASE_IMAGE"; then
  create_base_image
else
  log "base image $BASE_IMAGE present"
fi

# --------------------------------------------------------------------------
# Sandbox images
# --------------------------------------------------------------------------
# sha256 over the relative path, mode and content of every file in the context
context_hash() {
  local dir="$1"
  (
    cd "$dir"
    find . -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
      printf '%s %s %s\n' "$(stat -c '%a' "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
    done
  ) | sha256sum | cut -d' ' -f1
}

# Copies the browser files of the npm package $1 (the version package.json pins,
# installed by npm ci) listed in the remaining arguments into the folder $CTX_VENDOR/$1.
vendor_npm_files() {
  local pkg="$1"; shift
  local src="$ROOT/node_modules/$pkg"
  command -v node >/dev/null 2>&1 || die "node is needed to check node_modules/$pkg against package.json"
  local want have
  want="$(node -e 'const p = require(process.argv[1]); const d = { ...p.dependencies, ...p.devDependencies }; process.stdout.write(d[process.argv[2]] ?? "")' "$ROOT/package.json" "$pkg")"
  [ -n "$want" ] || die "package.json does not pin $pkg"
  [ -f "$src/package.json" ] || die "node_modules/$pkg is missing; run npm ci in $ROOT first"
  have="$(node -e 'process.stdout.write(require(process.argv[1]).version)' "$src/package.json")"
  [ "$have" = "$want" ] || die "node_modules/$pkg is $have but package.json pins $want; run npm ci in $ROOT first"
  local f
  for f in "$@"; do
    [ -f "$src/$f" ] || die "node_modules/$pkg/$f is missing"
    install -D -m 0644 "$src/$f" "$CTX_VENDOR/$pkg/$f"
  done
}

# The folder under images/ an image is built from, and its Dockerfile stage (empty: the last).
image_dir() { case "$1" in notebook-sudo) echo notebook ;; *) echo "$1" ;; esac; }
image_target() { case "$1" in notebook-sudo) echo notebook-sudo ;; notebook) echo notebook ;; *) echo "" ;; esac; }

# The image a build starts FROM, passed as the build argument BASE (empty: the Dockerfile's own).
image_base() {
  case "$1" in
    ml) echo "$ML_BASE" ;;
    cuda) echo "" ;;
    *) echo "$BASE_IMAGE" ;;
  esac
}

# Stages into $1 the start files that shiva/notebook and shiva/cuda install with their
# install-start: images/notebook's files but its Dockerfile, shiva-identity (images/common) and
# the browser build of xterm from node_modules under vendor/.
stage_start_files() {
  local to="$1"
  mkdir -p "$to"
  cp -a "$ROOT/images/notebook/." "$to/"
  rm -f "$to/Dockerfile"
  cp -a "$ROOT/images/common/." "$to/"
  CTX_VENDOR="$to/vendor"
  vendor_npm_files xterm LICENSE dist/xterm.js dist/xterm.css dist/addons/fit/fit.js
}

# Sets ctxdir to a staged build context for images/$1. notebook's is its Dockerfile and the
# start files in start/; cuda's is images/cuda, the same start/ and the ML stack's check from
# images/ml; any other is a copy of images/$1 with images/common.
stage_context() {
  local dir="$1"
  ctxdir="$(mktemp -d "${TMPDIR:-/tmp}/shiva-context-$dir.XXXXXX")"
  case "$dir" in
    notebook)
      cp -a "$ROOT/images/notebook/Dockerfile" "$ctxdir/"
      stage_start_files "$ctxdir/start"
      ;;
    cuda)
      cp -a "$ROOT/images/cuda/." "$ctxdir/"
      cp -a "$ROOT/images/ml/shiva-ml-check" "$ctxdir/"
      stage_start_files "$ctxdir/start"
      ;;
    *)
      cp -a "$ROOT/images/$dir/." "$ctxdir/"
      cp -a "$ROOT/images/common/." "$ctxdir/"
      ;;
  esac
  chmod 0755 "$ctxdir"
}

cleanup_context() {
  if [ -n "$ctxdir" ]; then rm -rf "$ctxdir"; ctxdir=""; fi
}

build_image() {
  local name="$1"
  local src="$ROOT/images/$(image_dir "$name")"
  local tag="shiva/$name:latest"
  local stage
  stage="$(image_target "$name")"
  [ -f "$src/Dockerfile" ] || die "missing $src/Dockerfile"
  stage_context "$(image_dir "$name")"
  local dir="$ctxdir"

  local base base_id=""
  base="$(image_base "$name")"
  if [ "$name" = ml ]; then
    # built FROM a Shiva image: a new one of those must rebuild this one
    base_id="$(docker image inspect -f '{{.Id}}' "$base" 2>/dev/null)" || die "$base is missing; build it first"
  fi
  local hash current
  hash="$({ context_hash "$dir"; echo "target=$stage"; [ -z "$base_id" ] || echo "base=$base_id"; } | sha256sum | cut -d' ' -f1)"
  current="$(docker image inspect -f '{{ index .Config.Labels "org.shiva.context-hash" }}' "$tag" 2>/dev/null || true)"
  if [ "${SHIVA_REBUILD:-0}" != 1 ] && [ "$current" = "$hash" ]; then
    log "$tag is up to date (context ${hash:0:12})"
    cleanup_context
    return 0
  fi

  local started=$SECONDS buildlog
  log "building $tag (context ${hash:0:12})"
  case "$name" in
    ml) log "$tag installs about 400 MB of Debian packages; this takes a few minutes" ;;
    cuda) log "$tag pulls nvidia/cuda from Docker Hub and installs PyTorch from download.pytorch.org and the rest from PyPI: this build needs network access to all three, and takes a while (the image is several GB)" ;;
  esac
  buildlog="$(mktemp "${TMPDIR:-/tmp}/shiva-build-$name.XXXXXX")"
  local extra=()
  [ "${SHIVA_REBUILD:-0}" = 1 ] && extra+=(--no-cache)
  [ -n "$stage" ] && extra+=(--target "$stage")
  [ -n "$base" ] && extra+=(--build-arg "BASE=$base")
  if ! DOCKER_BUILDKIT=0 docker build "${extra[@]}" \
        --label "org.shiva.context-hash=$hash" \
        -t "$tag" \
        "$dir" >"$buildlog" 2>&1; then
    tail -n 40 "$buildlog" >&2 || true
    rm -f "$buildlog"
    cleanup_context
    [ "$name" != cuda ] || die "building $tag failed (it needs network access to Docker Hub, download.pytorch.org and pypi.org)"
    die "building $tag failed"
  fi
  rm -f "$buildlog"
  cleanup_context
  log "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1000000}')) in $((SECONDS - started))s"
}

for name in "${images[@]}"; do
  build_image "$name"
done

# drop the intermediate images left behind by replaced builds
docker image prune -f --filter "label=org.shiva.context-hash" >/dev/null 2>&1 || true
log "done"
