# Sourced by the benchmarks: what a fresh machine lacks, and the distribution they measure. Needs $repo.

# sudo unless already root
sudo_cmd=()
[[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)

apt_updated=0
# apt-get update, once per run.
apt_update() {
  (( apt_updated )) && return 0
  "${sudo_cmd[@]}" apt-get update -q >/dev/null || { echo "apt-get update failed; install what is missing by hand" >&2; exit 1; }
  apt_updated=1
}

# Installs the Debian packages named (nothing when none is); exits naming them when apt-get fails.
install_packages() {
  (( $# > 0 )) || return 0
  echo "installing: $*" >&2
  apt_update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$@" >/dev/null \
    || { echo "apt-get install $* failed" >&2; exit 1; }
}

# Sets dist to $repo's distribution, building it with the README's command when it is not there yet.
build_troupe() {
  dist="$repo/cluster-node/target/troupe"
  if [[ ! -d "$dist/lib" ]]; then
    echo "building Troupe (the README's command: mvn -q package -DskipTests)" >&2
    (cd "$repo" && mvn -q package -DskipTests) || { echo "build failed" >&2; exit 1; }
  fi
}
