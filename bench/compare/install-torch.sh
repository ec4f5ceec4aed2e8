#!/usr/bin/env bash
# Installs PyTorch (CPU) into a private folder, never system-wide, for the PyTorch reference and
# comparison scripts; idempotent (a working install is left as it is). Prints what it did, and
# last the interpreter to run them with.
#
#   bench/compare/install-torch.sh                  # install if needed, print a summary
#   PY=$(bench/compare/install-torch.sh --print-python)   # the same, quiet; only the interpreter path
#   "$PY" engine/src/test/resources/reference/penalties.py
#
# Where from, in order:
#   1. a local CPU wheel: $MORSE_TORCH_WHEEL, else the newest /opt/wheels/torch-*+cpu-cp3XY-*.whl
#      matching the Python below, installed with `pip install --no-index --no-deps --target`;
#      modules that `import torch` needs and this Python lacks (typing_extensions, sympy, networkx,
#      jinja2, numpy, ...) come from local wheels only (/opt/pypi-more/files, /opt/wheels), into the
#      same folder;
#   2. otherwise Debian's python3-torch (torch 1.13, for /usr/bin/python3), which apt installs
#      system-wide: the one exception, and the script says so.
# The folder is $MORSE_TORCH_DIR (default ~/.cache/morse/torch): site/ holds the packages and
# bin/python is a wrapper that runs the chosen Python with site/ first on PYTHONPATH.
# Environment: MORSE_TORCH_DIR, MORSE_TORCH_WHEEL, PYTHON (default python3).
set -euo pipefail

quiet=0
case "${1:-}" in
  --print-python) quiet=1 ;;
  -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "install-torch: unknown argument '$1' (expected --print-python or --help)" >&2; exit 2 ;;
esac
say() { if [ "$quiet" = 0 ]; then echo "install-torch: $*"; else echo "install-torch: $*" >&2; fi; }

dir="${MORSE_TORCH_DIR:-$HOME/.cache/morse/torch}"
wrapper="$dir/bin/python"
check='import torch; x = torch.ones(3, dtype=torch.float64, requires_grad=True); (g,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=True); (h,) = torch.autograd.grad(g.sum(), x); assert torch.equal(h, 6 * x.detach()); print(torch.__version__)'

finish() {
  local version
  version="$("$wrapper" -c "$check" 2>/dev/null | tail -1)"
  say "torch $version works: run scripts with $wrapper"
  echo "$wrapper"
}

# Already installed and working: nothing to do.
if [ -x "$wrapper" ] && "$wrapper" -c "$check" >/dev/null 2>&1; then
  say "already installed in $dir (the wrapper runs $(sed -n 's/^# python: //p' "$wrapper"))"
  finish
  exit 0
fi

write_wrapper() {   # $1: python executable, $2: site folder or empty
  mkdir -p "$dir/bin"
  {
    echo '#!/bin/sh'
    echo "# python: $1${2:+ with $2 first on PYTHONPATH}"
    echo "# written by bench/compare/install-torch.sh"
    if [ -n "$2" ]; then
      echo "PYTHONPATH=\"$2\${PYTHONPATH:+:\$PYTHONPATH}\" exec \"$1\" \"\$@\""
    else
      echo "exec \"$1\" \"\$@\""
    fi
  } >"$wrapper"
  chmod +x "$wrapper"
}

python="${PYTHON:-python3}"
python="$(command -v "$python" || true)"
tag=""
if [ -n "$python" ]; then
  # The real interpreter, not a pyenv shim (whose choice depends on the caller's directory and settings).
  python="$("$python" -c 'import sys; print(sys.executable)' 2>/dev/null || true)"
  tag="$("$python" -c 'import sys; print("cp%d%d" % sys.version_info[:2])' 2>/dev/null || true)"
fi
export PIP_ROOT_USER_ACTION=ignore

wheel="${MORSE_TORCH_WHEEL:-}"
if [ -z "$wheel" ] && [ -n "$tag" ]; then
  wheel="$(ls -1 /opt/wheels/torch-*+cpu-"$tag"-"$tag"-*.whl 2>/dev/null | sort -V | tail -1 || true)"
fi

if [ -n "$wheel" ] && [ -f "$wheel" ] && [ -n "$tag" ]; then
  site="$dir/site"
  say "installing $(basename "$wheel") for $python ($tag) into $site (pip --no-index --no-deps --target)"
  rm -rf "$site"
  mkdir -p "$site"
  "$python" -m pip install -q --disable-pip-version-check --no-index --no-deps --target "$site" "$wheel" >&2
  # What `import torch` needs, by import name and wheel name; taken from local wheels when missing.
  for mod in typing_extensions:typing_extensions sympy:sympy mpmath:mpmath networkx:networkx jinja2:jinja2 \
             markupsafe:markupsafe filelock:filelock fsspec:fsspec numpy:numpy; do
    name="${mod%%:*}"; pkg="${mod##*:}"
    if PYTHONPATH="$site" "$python" -c "import $name" >/dev/null 2>&1; then
      continue
    fi
    if "$python" -m pip install -q --disable-pip-version-check --no-index --target "$site" \
         --find-links /opt/pypi-more/files --find-links /opt/wheels "$pkg" >&2 2>/dev/null; then
      say "  added $pkg from a local wheel"
    else
      say "  $pkg: not importable and no local wheel (torch may still import without it)"
    fi
  done
  write_wrapper "$python" "$site"
  if "$wrapper" -c "$check" >/dev/null 2>&1; then
    say "installed: $(du -sh "$site" | cut -f1) in $site"
    finish
    exit 0
  fi
  say "the wheel installed but torch does not import with $python:"
  "$wrapper" -c "import torch" >&2 || true
  say "falling back to Debian's python3-torch"
fi

# Fallback: Debian's package (system-wide by nature; needs root).
if ! /usr/bin/python3 -c "import torch" >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    say "no local torch wheel found and python3-torch is not installed; as root run: apt-get install -y python3-torch" >&2
    exit 1
  fi
  say "no usable local wheel; installing Debian's python3-torch with apt (system-wide: /usr/lib/python3/dist-packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi
write_wrapper /usr/bin/python3 ""
finish
