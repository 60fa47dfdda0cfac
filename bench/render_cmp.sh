#!/bin/bash
# usage: bash bench/render_cmp.sh ROOT ARTICLES_DIR OUT [extra args]: ROOT a checkout with its .venv (this one, or
# a worktree of an older commit); prints the 'write' seconds of a run that only renders PDFs
ROOT=$1; ART=$2; OUT=$3; shift 3
cd $ROOT
rm -rf $OUT
.venv/bin/translate run $ART --to es --engine apertium --format md,pdf -o $OUT "$@" > /dev/null 2>&1
for i in 1 2 3; do
  find $OUT -name "*.pdf" -delete
  .venv/bin/translate run $ART --to es --engine apertium --format md,pdf -o $OUT "$@" 2>&1 | grep "^time" | sed 's/.*write \([0-9.]*\) s.*/\1/'
done
