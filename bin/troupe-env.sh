# Sourced by bin/cluster-node and bin/booster (POSIX sh). Sets TROUPE_HOME (the distribution: lib/, bin/,
# conf/), TROUPE_CONF (the conf/ directory to read) and JAVA, or exits with a message saying what to do.
# Works from the repository root (after `mvn package`) and from cluster-node/target/troupe/.

troupe_self=$0
while [ -h "$troupe_self" ]; do
  troupe_link=$(ls -ld "$troupe_self" | sed 's/.*-> //')
  case $troupe_link in
    /*) troupe_self=$troupe_link ;;
    *) troupe_self=$(dirname "$troupe_self")/$troupe_link ;;
  esac
done
troupe_top=$(cd "$(dirname "$troupe_self")/.." && pwd)

if [ -d "$troupe_top/lib" ]; then
  # inside a distribution
  TROUPE_HOME=$troupe_top
  TROUPE_CONF=${TROUPE_CONF:-$troupe_top/conf}
elif [ -d "$troupe_top/cluster-node/target/troupe/lib" ]; then
  # inside the repository: run the build's distribution, but read the repository's conf/ so edits apply
  TROUPE_HOME=$troupe_top/cluster-node/target/troupe
  TROUPE_CONF=${TROUPE_CONF:-$troupe_top/conf}
else
  echo "troupe: $troupe_top/cluster-node/target/troupe/lib is missing; run \`mvn -q package -DskipTests\` first (in $troupe_top)" >&2
  exit 1
fi

# Troupe's own jars first: their reference.conf files set some Pekko keys (e.g. booster-actors' Artery frame
# size), and among reference.conf files the first on the classpath wins; lib/* alone has no defined order.
TROUPE_CP=
for troupe_jar in "$TROUPE_HOME"/lib/cluster-node-*.jar "$TROUPE_HOME"/lib/proxy-actors-*.jar \
    "$TROUPE_HOME"/lib/module-actors-*.jar "$TROUPE_HOME"/lib/booster-actors-*.jar "$TROUPE_HOME"/lib/handler-api-*.jar; do
  if [ -f "$troupe_jar" ]; then
    TROUPE_CP=$TROUPE_CP$troupe_jar:
  fi
done
TROUPE_CP=$TROUPE_CP$TROUPE_HOME/lib/*

# booster-exec (run by PATH shims in the build) finds the distribution through this
export TROUPE_HOME

# JAVA and TROUPE_JAVA_COMPAT (shared with the benchmarks that start a JVM of their own)
. "$(dirname "$troupe_self")/troupe-java.sh"
