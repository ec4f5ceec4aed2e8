# shellcheck shell=bash
# Sources the CLI is built from that are newer than a stamp file: every module of the root pom
# except bench and cluster (which has its own launcher, bin/morse-cluster), with their poms and
# resources. Used by bin/morse to rebuild once when anything changed; tested by cli's LauncherTest.
# Usage: morse_changed_sources ROOT STAMP   (prints one path per line, relative to ROOT)
morse_changed_sources() {
  local root="$1" stamp="$2"
  (cd "$root" && find pom.xml $(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' pom.xml | grep -vxE 'bench|cluster') \
      \( -path '*/target' -prune \) -o \( -type f \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' \) -newer "$stamp" -print \) 2>/dev/null)
}
