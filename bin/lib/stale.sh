# shellcheck shell=bash
# Sources a launcher's build depends on that are newer than its stamp file: the given modules
# (default: every module of the root pom except bench and cluster, i.e. what the CLI is built
# from), with their poms and resources, and the root pom. bin/morse uses the default;
# bin/morse-cluster passes its own list (morse_modules without bench: the CLI's modules and cluster).
# Tested by cli's LauncherTest.
# Usage: morse_changed_sources ROOT STAMP [MODULE...]   (prints one path per line, relative to ROOT)
morse_changed_sources() {
  local root="$1" stamp="$2"
  shift 2
  local modules
  if [ "$#" -gt 0 ]; then
    modules="$*"
  else
    modules="$(morse_modules "$root" | grep -vxE 'bench|cluster')"
  fi
  # shellcheck disable=SC2086 # one word per module
  (cd "$root" && find pom.xml $modules \
      \( -path '*/target' -prune \) -o \( -type f \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' \) -newer "$stamp" -print \) 2>/dev/null)
}

# The modules of the root pom, one per line, in build order.
# Usage: morse_modules ROOT
morse_modules() {
  sed -n 's:.*<module>\(.*\)</module>.*:\1:p' "$1/pom.xml"
}
