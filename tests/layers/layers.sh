#!/usr/bin/env bash
# tests/layers/layers.sh: the build enforces the layering (doc/architecture.md).
# Usage: layers.sh CC SCOPE_ROOT SOURCE_ROOT SIMDE_INCLUDE
# For each layer, a header of the layer itself and of a layer below it must
# compile within the layer's include scope, and a header of a layer it must
# not use (a wrong-way #include) must fail with "No such file".
# Also: <sqlite3.h> appears in storage/ alone, <lz4.h> and <zstd.h> in the
# two file-format layers (storage/, lake/) alone, <snappy-c.h> and <zlib.h>
# in lake/ alone (server/ may use <zstd.h>, <zlib.h> and <lz4frame.h>: HTTP
# Content-Encoding, server/decode.c); nothing below api/ includes it, and no library layer
# prints (fprintf(stderr, printf, puts, perror) or calls getenv.
set -u
CC=$1 SCOPE=$2 SRC=$3 SIMDE=$4
passes=0 fails=0
try() { # layer, header, want (ok|fail)
    local layer=$1 header=$2 want=$3 out rc
    out=$(printf '#include "%s"\nint floe_layer_probe;\n' "$header" |
          "$CC" -std=c11 -D_GNU_SOURCE -fsyntax-only -I"$SCOPE/floe_$layer" -I"$SRC/include" -I"$SIMDE" -x c - 2>&1)
    rc=$?
    if [ "$want" = ok ] && [ $rc -ne 0 ]; then
        echo "FAIL: $layer should include $header: $out"; fails=$((fails + 1)); return
    fi
    if [ "$want" = fail ] && { [ $rc -eq 0 ] || ! grep -q "No such file" <<<"$out"; }; then
        echo "FAIL: $layer must not be able to include $header (rc=$rc) $out"; fails=$((fails + 1)); return
    fi
    passes=$((passes + 1))
}
try util util/err.h ok;         try util storage/part.h fail;   try util engine/plan.h fail
try storage storage/part.h ok;  try storage util/vec.h ok;      try storage engine/plan.h fail
try storage ingest/wal.h fail;  try storage db/db.h fail
try ingest ingest/wal.h ok;     try ingest storage/part.h fail;  try ingest engine/plan.h fail
try ingest db/db.h fail
try lake lake/thrift.h ok;      try lake util/err.h ok;         try lake storage/part.h fail
try lake engine/plan.h fail;    try lake db/db.h fail
try engine engine/plan.h ok;    try engine storage/catalog.h fail; try engine ingest/table.h fail
try engine sql/binder.h fail;   try engine db/db.h fail
try sql sql/binder.h ok;        try sql engine/plan.h ok;       try sql storage/catalog.h fail
try sql ingest/table.h fail;    try sql db/db.h fail
try db db/db.h ok;              try db storage/catalog.h ok;    try db sql/binder.h ok
try db ingest/table.h ok;       try db engine/plan.h ok;        try db util/err.h ok
try api db/db.h ok;             try api storage/catalog.h ok;   try api sql/binder.h ok
try shell_core shell/render.h ok; try shell_core util/err.h fail; try shell_core db/db.h fail
try server server/format.h ok;  try server util/err.h fail;   try server db/db.h fail
# api/ has no header the layers below could reach: nothing below includes it.
users=$(grep -rl '#include "api/' "$SRC"/util "$SRC"/storage "$SRC"/ingest "$SRC"/engine "$SRC"/sql "$SRC"/db 2>/dev/null)
if [ -n "$users" ]; then echo "FAIL: api/ included from below: $users"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
# The library never prints and never reads the environment (log callback
# and floe_open_options instead; tools and tests read it and pass it on).
users=$(grep -rnE '(^|[^_a-z])(printf|puts|perror|getenv|secure_getenv)\(|f(printf|puts)\((stderr|stdout)' \
        "$SRC"/util "$SRC"/storage "$SRC"/ingest "$SRC"/lake "$SRC"/engine "$SRC"/sql "$SRC"/db "$SRC"/api 2>/dev/null)
if [ -n "$users" ]; then echo "FAIL: the library prints or reads the environment: $users"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
only_in() { # header, the layers allowed to include it
    local h=$1 d users=""; shift
    for d in util storage ingest lake engine sql db api shell server; do
        case " $* " in *" $d "*) continue ;; esac
        [ -d "$SRC/$d" ] && users+=$(grep -rl "#include <$h>" "$SRC/$d" 2>/dev/null)
    done
    if [ -n "$users" ]; then echo "FAIL: <$h> outside $*: $users"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
}
only_in sqlite3.h storage
only_in lz4.h storage lake
only_in zstd.h storage lake server
only_in lz4frame.h server
only_in snappy-c.h lake
only_in zlib.h lake server
only_in pcre2.h engine
echo "layers: $passes passed, $fails failed"
[ $fails -eq 0 ]
