/* engine/plan.c: plan containers (the arena that owns a plan). */
#include "engine/plan.h"

#include "util/mem.h"

floe_query_plan *floe_query_plan_new(void)
{
    floe_query_plan *qp = floe_calloc(1, sizeof *qp);
    if (qp == NULL) return NULL;
    qp->arena = floe_arena_new(0);
    if (qp->arena == NULL) {
        floe_free(qp);
        return NULL;
    }
    return qp;
}

void floe_query_plan_free(floe_query_plan *qp)
{
    if (qp == NULL) return;
    floe_arena_free(qp->arena);
    floe_free(qp);
}
