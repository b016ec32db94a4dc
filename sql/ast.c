/* sql/ast.c: printing syntax trees back as SQL text.
 *
 * The output is fully parenthesised so that parsing it again gives the same
 * tree (the parser fuzz target checks exactly that), which also makes it a
 * precise way for tests to state the expected shape of a tree.
 */
#include "sql/ast.h"

#include <stdio.h>
#include <string.h>

#include "sql/lexer.h"

const char *floe_ast_binop_name(floe_ast_binop op)
{
    switch (op) {
    case FLOE_AST_OR: return "OR";
    case FLOE_AST_AND: return "AND";
    case FLOE_AST_EQ: return "=";
    case FLOE_AST_NE: return "<>";
    case FLOE_AST_LT: return "<";
    case FLOE_AST_LE: return "<=";
    case FLOE_AST_GT: return ">";
    case FLOE_AST_GE: return ">=";
    case FLOE_AST_CONCAT: return "||";
    case FLOE_AST_ADD: return "+";
    case FLOE_AST_SUB: return "-";
    case FLOE_AST_MUL: return "*";
    case FLOE_AST_DIV: return "/";
    case FLOE_AST_MOD: return "%";
    }
    return "?";
}

/* Words the parser treats specially when they start an expression. */
static int special_word(const char *s)
{
    static const char *const w[] = {"date", "timestamp", "interval", "extract", "exists",
                                    "case", "cast"};
    size_t i;
    for (i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strcmp(s, w[i]) == 0) return 1;
    return 0;
}

static int plain_word(const char *s)
{
    size_t i;
    if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return 0;
    for (i = 1; s[i]; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '$'))
            return 0;
    return 1;
}

static void put_ident(floe_strbuf *b, const char *s)
{
    size_t i;
    if (plain_word(s) && !floe_lexer_word_reserved(s) && !special_word(s)) {
        floe_strbuf_puts(b, s);
        return;
    }
    floe_strbuf_putc(b, '"');
    for (i = 0; s[i]; i++) {
        if (s[i] == '"') floe_strbuf_putc(b, '"');
        floe_strbuf_putc(b, s[i]);
    }
    floe_strbuf_putc(b, '"');
}

static void put_string(floe_strbuf *b, const char *s, size_t n)
{
    size_t i, start = 0;
    floe_strbuf_putc(b, '\'');
    for (i = 0; i < n; i++) {
        if (s[i] == '\'') {
            floe_strbuf_append(b, s + start, i - start + 1);
            floe_strbuf_putc(b, '\'');
            start = i + 1;
        }
    }
    floe_strbuf_append(b, s + start, n - start);
    floe_strbuf_putc(b, '\'');
}

static void put_ident_list(floe_strbuf *b, const char *const *ids, int n)
{
    int i;
    floe_strbuf_putc(b, '(');
    for (i = 0; i < n; i++) {
        if (i) floe_strbuf_puts(b, ", ");
        put_ident(b, ids[i]);
    }
    floe_strbuf_putc(b, ')');
}

static void put_exprs(floe_strbuf *b, floe_ast_expr *const *es, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        if (i) floe_strbuf_puts(b, ", ");
        floe_ast_format_expr(es[i], b);
    }
}

/* INTERVAL value [UNIT]: the value bare when the printer's own output
 * reparses as it (literals, parenthesised nodes), else in parentheses. */
static void format_interval(const floe_ast_expr *e, floe_strbuf *b)
{
    int i;
    const floe_ast_expr *v = e->interval.value;
    floe_strbuf_puts(b, "INTERVAL ");
    if (v->kind == FLOE_AST_STRING ||
        ((v->kind == FLOE_AST_INT || v->kind == FLOE_AST_NUM) &&
         (v->kind == FLOE_AST_INT ? v->int_lit.text : v->num_lit.text)[0] != '-') ||
        v->kind == FLOE_AST_BINARY || v->kind == FLOE_AST_UNARY || v->kind == FLOE_AST_IS ||
        v->kind == FLOE_AST_BETWEEN || v->kind == FLOE_AST_IN_LIST ||
        v->kind == FLOE_AST_IN_QUERY || v->kind == FLOE_AST_LIKE) {
        /* literals, and nodes the printer parenthesises itself */
        floe_ast_format_expr(v, b);
    } else {
        floe_strbuf_putc(b, '(');
        floe_ast_format_expr(v, b);
        floe_strbuf_putc(b, ')');
    }
    if (e->interval.unit) {
        const char *u = e->interval.unit;
        floe_strbuf_putc(b, ' ');
        for (i = 0; u[i]; i++) floe_strbuf_putc(b, (char)(u[i] - 32));
    }
}

/* CASE [operand] WHEN .. THEN .. [ELSE ..] END */
static void format_case(const floe_ast_expr *e, floe_strbuf *b)
{
    int i;
    floe_strbuf_puts(b, "CASE");
    if (e->case_.operand) {
        floe_strbuf_putc(b, ' ');
        floe_ast_format_expr(e->case_.operand, b);
    }
    for (i = 0; i < e->case_.nwhens; i++) {
        floe_strbuf_puts(b, " WHEN ");
        floe_ast_format_expr(e->case_.whens[i], b);
        floe_strbuf_puts(b, " THEN ");
        floe_ast_format_expr(e->case_.thens[i], b);
    }
    if (e->case_.else_) {
        floe_strbuf_puts(b, " ELSE ");
        floe_ast_format_expr(e->case_.else_, b);
    }
    floe_strbuf_puts(b, " END");
}

void floe_ast_format_expr(const floe_ast_expr *e, floe_strbuf *b)
{
    switch (e->kind) {
    case FLOE_AST_INT: floe_strbuf_puts(b, e->int_lit.text); break;
    case FLOE_AST_NUM: floe_strbuf_puts(b, e->num_lit.text); break;
    case FLOE_AST_STRING: put_string(b, e->str.s, e->str.n); break;
    case FLOE_AST_BOOL: floe_strbuf_puts(b, e->bool_val ? "TRUE" : "FALSE"); break;
    case FLOE_AST_NULL: floe_strbuf_puts(b, "NULL"); break;
    case FLOE_AST_PARAM: {
        char nb[16];
        snprintf(nb, sizeof nb, "$%d", e->param.index);
        floe_strbuf_puts(b, nb);
        break;
    }
    case FLOE_AST_TYPED:
        floe_strbuf_puts(b, e->typed.type.id == FLOE_TYPE_DATE ? "DATE " : "TIMESTAMP ");
        put_string(b, e->typed.s, e->typed.n);
        break;
    case FLOE_AST_INTERVAL: format_interval(e, b); break;
    case FLOE_AST_COLUMN:
        if (e->column.table) {
            put_ident(b, e->column.table);
            floe_strbuf_putc(b, '.');
        }
        put_ident(b, e->column.name);
        break;
    case FLOE_AST_STAR:
        if (e->star.table) {
            put_ident(b, e->star.table);
            floe_strbuf_putc(b, '.');
        }
        floe_strbuf_putc(b, '*');
        break;
    case FLOE_AST_UNARY:
        floe_strbuf_puts(b, e->unary.op == FLOE_AST_NEG    ? "(- "
                            : e->unary.op == FLOE_AST_PLUS ? "(+ "
                                                           : "(NOT ");
        floe_ast_format_expr(e->unary.arg, b);
        floe_strbuf_putc(b, ')');
        break;
    case FLOE_AST_BINARY:
        floe_strbuf_putc(b, '(');
        floe_ast_format_expr(e->binary.left, b);
        floe_strbuf_putc(b, ' ');
        floe_strbuf_puts(b, floe_ast_binop_name(e->binary.op));
        floe_strbuf_putc(b, ' ');
        floe_ast_format_expr(e->binary.right, b);
        floe_strbuf_putc(b, ')');
        break;
    case FLOE_AST_IS: {
        static const char *const what[] = {"NULL", "TRUE", "FALSE", "UNKNOWN", "DISTINCT FROM "};
        floe_strbuf_putc(b, '(');
        floe_ast_format_expr(e->is.arg, b);
        floe_strbuf_puts(b, e->is.negated ? " IS NOT " : " IS ");
        floe_strbuf_puts(b, what[e->is.what]);
        if (e->is.what == FLOE_AST_IS_DISTINCT) floe_ast_format_expr(e->is.right, b);
        floe_strbuf_putc(b, ')');
        break;
    }
    case FLOE_AST_BETWEEN:
        floe_strbuf_putc(b, '(');
        floe_ast_format_expr(e->between.arg, b);
        floe_strbuf_puts(b, e->between.negated ? " NOT BETWEEN " : " BETWEEN ");
        floe_ast_format_expr(e->between.lo, b);
        floe_strbuf_puts(b, " AND ");
        floe_ast_format_expr(e->between.hi, b);
        floe_strbuf_putc(b, ')');
        break;
    case FLOE_AST_IN_LIST:
        floe_strbuf_putc(b, '(');
        floe_ast_format_expr(e->in_list.arg, b);
        floe_strbuf_puts(b, e->in_list.negated ? " NOT IN (" : " IN (");
        put_exprs(b, e->in_list.items, e->in_list.nitems);
        floe_strbuf_puts(b, "))");
        break;
    case FLOE_AST_IN_QUERY:
        floe_strbuf_putc(b, '(');
        floe_ast_format_expr(e->in_query.arg, b);
        floe_strbuf_puts(b, e->in_query.negated ? " NOT IN (" : " IN (");
        floe_ast_format_query(e->in_query.query, b);
        floe_strbuf_puts(b, "))");
        break;
    case FLOE_AST_LIKE:
        floe_strbuf_putc(b, '(');
        floe_ast_format_expr(e->like.arg, b);
        floe_strbuf_puts(b, e->like.negated ? " NOT" : "");
        floe_strbuf_puts(b, e->like.ilike ? " ILIKE " : " LIKE ");
        floe_ast_format_expr(e->like.pattern, b);
        if (e->like.escape) {
            floe_strbuf_puts(b, " ESCAPE ");
            floe_ast_format_expr(e->like.escape, b);
        }
        floe_strbuf_putc(b, ')');
        break;
    case FLOE_AST_EXISTS:
        floe_strbuf_puts(b, "EXISTS (");
        floe_ast_format_query(e->subquery.query, b);
        floe_strbuf_putc(b, ')');
        break;
    case FLOE_AST_SUBQUERY:
        floe_strbuf_putc(b, '(');
        floe_ast_format_query(e->subquery.query, b);
        floe_strbuf_putc(b, ')');
        break;
    case FLOE_AST_CALL:
        put_ident(b, e->call.name);
        floe_strbuf_puts(b, e->call.distinct ? "(DISTINCT " : "(");
        put_exprs(b, e->call.args, e->call.nargs);
        if (e->call.norder) {
            int k;
            floe_strbuf_puts(b, " ORDER BY ");
            for (k = 0; k < e->call.norder; k++) {
                const floe_ast_order *o = &e->call.order[k];
                if (k) floe_strbuf_puts(b, ", ");
                floe_ast_format_expr(o->expr, b);
                if (o->desc) floe_strbuf_puts(b, " DESC");
                if (o->nulls == FLOE_AST_NULLS_FIRST) floe_strbuf_puts(b, " NULLS FIRST");
                else if (o->nulls == FLOE_AST_NULLS_LAST) floe_strbuf_puts(b, " NULLS LAST");
            }
        }
        floe_strbuf_putc(b, ')');
        if (e->call.within) {
            floe_strbuf_puts(b, " WITHIN GROUP (ORDER BY ");
            floe_ast_format_expr(e->call.within, b);
            floe_strbuf_puts(b, e->call.within_desc ? " DESC)" : ")");
        }
        if (e->call.filter) {
            floe_strbuf_puts(b, " FILTER (WHERE ");
            floe_ast_format_expr(e->call.filter, b);
            floe_strbuf_putc(b, ')');
        }
        break;
    case FLOE_AST_CAST:
        floe_strbuf_puts(b, "CAST(");
        floe_ast_format_expr(e->cast.arg, b);
        floe_strbuf_puts(b, " AS ");
        floe_strbuf_puts(b, e->cast.type_name);
        floe_strbuf_putc(b, ')');
        break;
    case FLOE_AST_CASE: format_case(e, b); break;
    case FLOE_AST_EXTRACT:
        floe_strbuf_puts(b, "EXTRACT(");
        if (plain_word(e->extract.field)) floe_strbuf_puts(b, e->extract.field);
        else put_string(b, e->extract.field, strlen(e->extract.field));
        floe_strbuf_puts(b, " FROM ");
        floe_ast_format_expr(e->extract.arg, b);
        floe_strbuf_putc(b, ')');
        break;
    }
}

/* A table function argument: [name = ] scalar | [v, ...] | {'key': v, ...}. */
static void format_tfarg(const floe_ast_tfarg *a, bool named, floe_strbuf *b)
{
    int i;
    if (named && a->name) {
        put_ident(b, a->name);
        floe_strbuf_puts(b, " = ");
    }
    switch (a->kind) {
    case FLOE_AST_TFARG_SCALAR: floe_ast_format_expr(a->value, b); break;
    case FLOE_AST_TFARG_LIST:
    case FLOE_AST_TFARG_STRUCT:
        floe_strbuf_putc(b, a->kind == FLOE_AST_TFARG_LIST ? '[' : '{');
        for (i = 0; i < a->nitems; i++) {
            const floe_ast_tfarg *it = &a->items[i];
            if (i) floe_strbuf_puts(b, ", ");
            if (a->kind == FLOE_AST_TFARG_STRUCT) {
                put_string(b, it->name ? it->name : "", it->name ? strlen(it->name) : 0);
                floe_strbuf_puts(b, ": ");
            }
            format_tfarg(it, false, b);
        }
        floe_strbuf_putc(b, a->kind == FLOE_AST_TFARG_LIST ? ']' : '}');
        break;
    }
}

static void format_from(const floe_ast_from *f, floe_strbuf *b)
{
    static const char *const joins[] = {" JOIN ", " LEFT JOIN ", " RIGHT JOIN ", " FULL JOIN ",
                                        " CROSS JOIN "};
    switch (f->kind) {
    case FLOE_AST_FROM_TABLE: put_ident(b, f->table); break;
    case FLOE_AST_FROM_SUBQUERY:
        floe_strbuf_putc(b, '(');
        floe_ast_format_query(f->query, b);
        floe_strbuf_putc(b, ')');
        break;
    case FLOE_AST_FROM_FUNCTION:
    {
        int i;
        /* as written (a word, lower-cased): only a word before '(' is parsed
         * as a table function, so quoting it would not parse back */
        floe_strbuf_puts(b, f->func.name);
        floe_strbuf_putc(b, '(');
        for (i = 0; i < f->func.nargs; i++) {
            if (i) floe_strbuf_puts(b, ", ");
            format_tfarg(&f->func.args[i], true, b);
        }
        floe_strbuf_putc(b, ')');
        break;
    }
    case FLOE_AST_FROM_JOIN:
        format_from(f->join.left, b);
        if (f->join.natural) floe_strbuf_puts(b, " NATURAL");
        if (f->join.asof) floe_strbuf_puts(b, " ASOF");
        floe_strbuf_puts(b, joins[f->join.kind]);
        if (f->join.right->kind == FLOE_AST_FROM_JOIN) floe_strbuf_putc(b, '(');
        format_from(f->join.right, b);
        if (f->join.right->kind == FLOE_AST_FROM_JOIN) floe_strbuf_putc(b, ')');
        if (f->join.on) {
            floe_strbuf_puts(b, " ON ");
            floe_ast_format_expr(f->join.on, b);
        } else if (f->join.nusing) {
            floe_strbuf_puts(b, " USING ");
            put_ident_list(b, f->join.using_cols, f->join.nusing);
        }
        return;
    }
    if (f->alias) {
        floe_strbuf_puts(b, " AS ");
        put_ident(b, f->alias);
        if (f->ncols) put_ident_list(b, f->cols, f->ncols);
    }
}

static int has_modifiers(const floe_ast_query *q)
{
    return q->nctes || q->norder_by || q->limit || q->offset;
}

static void format_operand(const floe_ast_query *q, floe_strbuf *b)
{
    int paren = q->kind == FLOE_AST_Q_SETOP || has_modifiers(q);
    if (paren) floe_strbuf_putc(b, '(');
    floe_ast_format_query(q, b);
    if (paren) floe_strbuf_putc(b, ')');
}

void floe_ast_format_query(const floe_ast_query *q, floe_strbuf *b)
{
    int i, r;
    if (q->nctes) {
        floe_strbuf_puts(b, q->recursive ? "WITH RECURSIVE " : "WITH ");
        for (i = 0; i < q->nctes; i++) {
            const floe_ast_cte *c = &q->ctes[i];
            if (i) floe_strbuf_puts(b, ", ");
            put_ident(b, c->name);
            if (c->ncols) put_ident_list(b, c->cols, c->ncols);
            floe_strbuf_puts(b, " AS (");
            floe_ast_format_query(c->query, b);
            floe_strbuf_putc(b, ')');
        }
        floe_strbuf_putc(b, ' ');
    }
    switch (q->kind) {
    case FLOE_AST_Q_SELECT:
        floe_strbuf_puts(b, q->select.distinct ? "SELECT DISTINCT " : "SELECT ");
        if (q->select.ndistinct_on) {
            floe_strbuf_puts(b, "DISTINCT ON (");
            for (i = 0; i < q->select.ndistinct_on; i++) {
                if (i) floe_strbuf_puts(b, ", ");
                floe_ast_format_expr(q->select.distinct_on[i], b);
            }
            floe_strbuf_puts(b, ") ");
        }
        for (i = 0; i < q->select.ntargets; i++) {
            if (i) floe_strbuf_puts(b, ", ");
            floe_ast_format_expr(q->select.targets[i].expr, b);
            if (q->select.targets[i].alias) {
                floe_strbuf_puts(b, " AS ");
                put_ident(b, q->select.targets[i].alias);
            }
        }
        if (q->select.nfrom) {
            floe_strbuf_puts(b, " FROM ");
            for (i = 0; i < q->select.nfrom; i++) {
                if (i) floe_strbuf_puts(b, ", ");
                format_from(q->select.from[i], b);
            }
        }
        if (q->select.where) {
            floe_strbuf_puts(b, " WHERE ");
            floe_ast_format_expr(q->select.where, b);
        }
        if (q->select.ngroup_sets) {
            /* the expanded sets: GROUPING SETS ((a, b), (a), ()) */
            int k, j;
            floe_strbuf_puts(b, " GROUP BY GROUPING SETS (");
            for (k = 0; k < q->select.ngroup_sets; k++) {
                int first = 1;
                floe_strbuf_puts(b, k ? ", (" : "(");
                for (j = 0; j < q->select.ngroup_by; j++)
                    if ((q->select.group_sets[k] >> j) & 1) {
                        if (!first) floe_strbuf_puts(b, ", ");
                        floe_ast_format_expr(q->select.group_by[j], b);
                        first = 0;
                    }
                floe_strbuf_putc(b, ')');
            }
            floe_strbuf_putc(b, ')');
        } else if (q->select.ngroup_by) {
            floe_strbuf_puts(b, " GROUP BY ");
            put_exprs(b, q->select.group_by, q->select.ngroup_by);
        }
        if (q->select.having) {
            floe_strbuf_puts(b, " HAVING ");
            floe_ast_format_expr(q->select.having, b);
        }
        break;
    case FLOE_AST_Q_SETOP: {
        static const char *const ops[] = {" UNION ", " EXCEPT ", " INTERSECT "};
        format_operand(q->setop.left, b);
        floe_strbuf_puts(b, ops[q->setop.op]);
        if (q->setop.all) floe_strbuf_puts(b, "ALL ");
        format_operand(q->setop.right, b);
        break;
    }
    case FLOE_AST_Q_VALUES:
        floe_strbuf_puts(b, "VALUES ");
        for (r = 0; r < q->values.nrows; r++) {
            if (r) floe_strbuf_puts(b, ", ");
            floe_strbuf_putc(b, '(');
            put_exprs(b, q->values.rows[r], q->values.ncols);
            floe_strbuf_putc(b, ')');
        }
        break;
    }
    if (q->norder_by) {
        floe_strbuf_puts(b, " ORDER BY ");
        for (i = 0; i < q->norder_by; i++) {
            const floe_ast_order *o = &q->order_by[i];
            if (i) floe_strbuf_puts(b, ", ");
            floe_ast_format_expr(o->expr, b);
            if (o->desc) floe_strbuf_puts(b, " DESC");
            if (o->nulls == FLOE_AST_NULLS_FIRST) floe_strbuf_puts(b, " NULLS FIRST");
            else if (o->nulls == FLOE_AST_NULLS_LAST) floe_strbuf_puts(b, " NULLS LAST");
        }
    }
    if (q->limit) {
        floe_strbuf_puts(b, " LIMIT ");
        floe_ast_format_expr(q->limit, b);
    }
    if (q->offset) {
        floe_strbuf_puts(b, " OFFSET ");
        floe_ast_format_expr(q->offset, b);
    }
}

static void format_coldef(const floe_ast_coldef *c, floe_strbuf *b)
{
    put_ident(b, c->name);
    floe_strbuf_putc(b, ' ');
    floe_strbuf_puts(b, c->type_name);
    if (c->not_null) floe_strbuf_puts(b, " NOT NULL");
    if (c->default_) {
        floe_strbuf_puts(b, " DEFAULT ");
        floe_ast_format_expr(c->default_, b);
    }
    floe_ast_format_coldef_cons(c, b);
}

static void format_options(const floe_ast_option *o, int n, floe_strbuf *b)
{
    int i;
    floe_strbuf_putc(b, '(');
    for (i = 0; i < n; i++) {
        if (i) floe_strbuf_puts(b, ", ");
        floe_strbuf_puts(b, o[i].name);
        if (o[i].value) {
            const floe_ast_expr *v = o[i].value;
            floe_strbuf_puts(b, " = ");
            if (v->kind == FLOE_AST_COLUMN && v->column.table == NULL &&
                plain_word(v->column.name))
                floe_strbuf_puts(b, v->column.name); /* a bare word value */
            else
                floe_ast_format_expr(v, b);
        }
    }
    floe_strbuf_putc(b, ')');
}

void floe_ast_format_stmt(const floe_ast_stmt *s, floe_strbuf *b)
{
    int i;
    switch (s->kind) {
    case FLOE_AST_STMT_QUERY: floe_ast_format_query(s->query, b); break;
    case FLOE_AST_STMT_CREATE_TABLE:
        floe_strbuf_puts(b, "CREATE TABLE ");
        if (s->create_table.if_not_exists) floe_strbuf_puts(b, "IF NOT EXISTS ");
        put_ident(b, s->create_table.table);
        if (s->create_table.as_query) {
            floe_strbuf_puts(b, " AS ");
            floe_ast_format_query(s->create_table.as_query, b);
            break;
        }
        floe_strbuf_puts(b, " (");
        for (i = 0; i < s->create_table.ncols; i++) {
            if (i) floe_strbuf_puts(b, ", ");
            format_coldef(&s->create_table.cols[i], b);
        }
        for (i = 0; i < s->create_table.ncons; i++) {
            floe_strbuf_puts(b, ", ");
            floe_ast_format_tcons(&s->create_table.cons[i], b);
        }
        floe_strbuf_putc(b, ')');
        if (s->create_table.npartition_by) {
            floe_strbuf_puts(b, " PARTITION BY ");
            put_ident_list(b, s->create_table.partition_by, s->create_table.npartition_by);
        }
        if (s->create_table.norder_by) {
            floe_strbuf_puts(b, " ORDER BY ");
            put_ident_list(b, s->create_table.order_by, s->create_table.norder_by);
        }
        if (s->create_table.noptions) {
            floe_strbuf_puts(b, " WITH ");
            format_options(s->create_table.options, s->create_table.noptions, b);
        }
        break;
    case FLOE_AST_STMT_DROP_TABLE:
        floe_strbuf_puts(b, s->drop_table.if_exists ? "DROP TABLE IF EXISTS " : "DROP TABLE ");
        put_ident(b, s->drop_table.table);
        break;
    case FLOE_AST_STMT_ALTER_ADD:
        floe_strbuf_puts(b, "ALTER TABLE ");
        put_ident(b, s->alter_add.table);
        floe_strbuf_puts(b, " ADD COLUMN ");
        format_coldef(&s->alter_add.col, b);
        break;
    case FLOE_AST_STMT_INSERT:
        floe_strbuf_puts(b, "INSERT INTO ");
        put_ident(b, s->insert.table);
        if (s->insert.ncols) {
            floe_strbuf_putc(b, ' ');
            put_ident_list(b, s->insert.cols, s->insert.ncols);
        }
        floe_strbuf_putc(b, ' ');
        floe_ast_format_query(s->insert.query, b);
        floe_ast_format_on_conflict(s, b);
        break;
    case FLOE_AST_STMT_COPY:
        floe_strbuf_puts(b, "COPY ");
        if (s->copy.query) {
            floe_strbuf_putc(b, '(');
            floe_ast_format_query(s->copy.query, b);
            floe_strbuf_putc(b, ')');
        } else {
            put_ident(b, s->copy.table);
            if (s->copy.ncols) {
                floe_strbuf_putc(b, ' ');
                put_ident_list(b, s->copy.cols, s->copy.ncols);
            }
        }
        floe_strbuf_puts(b, s->copy.to ? " TO " : " FROM ");
        put_string(b, s->copy.path, strlen(s->copy.path));
        if (s->copy.noptions) {
            floe_strbuf_putc(b, ' ');
            format_options(s->copy.options, s->copy.noptions, b);
        }
        break;
    case FLOE_AST_STMT_EXPLAIN:
        floe_strbuf_puts(b, s->explain.analyze ? "EXPLAIN ANALYZE " : "EXPLAIN ");
        floe_ast_format_stmt(s->explain.stmt, b);
        break;
    case FLOE_AST_STMT_SHOW_TABLES: floe_strbuf_puts(b, "SHOW TABLES"); break;
    case FLOE_AST_STMT_DESCRIBE:
        floe_strbuf_puts(b, "DESCRIBE ");
        put_ident(b, s->table);
        break;
    case FLOE_AST_STMT_FLUSH:
        floe_strbuf_puts(b, "FLUSH TABLE ");
        put_ident(b, s->table);
        break;
    case FLOE_AST_STMT_CRAWL:
        floe_strbuf_puts(b, "CRAWL '");
        floe_strbuf_puts(b, s->crawl.path);
        floe_strbuf_putc(b, '\'');
        if (s->crawl.into) {
            floe_strbuf_puts(b, " INTO ");
            put_ident(b, s->crawl.into);
        }
        break;
    case FLOE_AST_STMT_SET:
        floe_strbuf_puts(b, s->set.value ? "SET " : "RESET ");
        put_ident(b, s->set.name);
        if (s->set.value) {
            floe_strbuf_puts(b, " = ");
            floe_ast_format_expr(s->set.value, b);
        }
        break;
    case FLOE_AST_STMT_CREATE_INDEX:
    case FLOE_AST_STMT_DROP_INDEX:
    case FLOE_AST_STMT_CREATE_VIEW:
    case FLOE_AST_STMT_DROP_VIEW: floe_ast_format_ddl(s, b); break;
    case FLOE_AST_STMT_PREPARE:
    case FLOE_AST_STMT_EXECUTE:
    case FLOE_AST_STMT_DEALLOCATE: floe_ast_format_prepared(s, b); break;
    case FLOE_AST_STMT_DELETE:
    case FLOE_AST_STMT_UPDATE: {
        int i;
        floe_strbuf_puts(b, s->kind == FLOE_AST_STMT_DELETE ? "DELETE FROM " : "UPDATE ");
        put_ident(b, s->dml.table);
        if (s->dml.alias) {
            floe_strbuf_puts(b, " AS ");
            put_ident(b, s->dml.alias);
        }
        for (i = 0; i < s->dml.nset; i++) {
            floe_strbuf_puts(b, i ? ", " : " SET ");
            put_ident(b, s->dml.set_cols[i]);
            floe_strbuf_puts(b, " = ");
            floe_ast_format_expr(s->dml.set_exprs[i], b);
        }
        if (s->dml.where) {
            floe_strbuf_puts(b, " WHERE ");
            floe_ast_format_expr(s->dml.where, b);
        }
        break;
    }
    }
}
