# Sourced by the scripts: make sure .venv exists and holds this project (and dev deps).
# Reinstalls only when pyproject.toml changed since the last install.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="${PYTHON:-python3.11}"
command -v "$py" >/dev/null 2>&1 || py=python3
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=.venv/.fieldsync-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)${FIELDSYNC_EXTRAS:-}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${FIELDSYNC_EXTRAS:-}" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$want" > "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
