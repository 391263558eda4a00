# Sourced (POSIX sh) by bin/troupe-env.sh and by benchmarks that start a Troupe JVM themselves. Sets JAVA (JAVA_HOME's
# java, else the one on PATH) and TROUPE_JAVA_COMPAT (options that JDK's version needs), or exits saying what to do.

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA=$JAVA_HOME/bin/java
elif command -v java >/dev/null 2>&1; then
  JAVA=java
else
  echo "troupe: no java found; install a JDK 17 or newer, or set JAVA_HOME" >&2
  exit 1
fi

# JDK 24 and later print four warnings at every start about Pekko's sun.misc.Unsafe calls (JEP 498), and four about
# Netty loading its epoll library (JEP 472); such a JDK is told to allow both, quietly. Which JDK it is comes from
# its release file, without starting it (JDK 17 would refuse the options).
TROUPE_JAVA_COMPAT=
troupe_java_home=${JAVA_HOME:-}
if [ "$JAVA" = java ]; then
  troupe_java_home=$(readlink -f "$(command -v java)")
  troupe_java_home=${troupe_java_home%/bin/java}
fi
troupe_java_feature=0
if [ -r "$troupe_java_home/release" ]; then
  while IFS= read -r troupe_line; do
    case $troupe_line in
      JAVA_VERSION=*)
        troupe_java_feature=${troupe_line#JAVA_VERSION=\"}
        troupe_java_feature=${troupe_java_feature%%[!0-9]*}
        break ;;
    esac
  done <"$troupe_java_home/release"
fi
if [ "${troupe_java_feature:-0}" -ge 24 ]; then
  TROUPE_JAVA_COMPAT="--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
fi
