/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * Benchmark builds only (feature `bench`, GP_BENCH): dialplan functions
 * that time GroupPickup's target search beside Pickup()'s, and an unrelated
 * channel lookup. build.rs compiles this file into no other build.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include <sys/resource.h>
#include <time.h>

#include "asterisk/app.h"
#include "asterisk/channel.h"
#include "asterisk/logger.h"
#include "asterisk/pbx.h"
#include "asterisk/pickup.h"
#include "asterisk/strings.h"

#include "shim.h"

/* The lookup gp_pickup_leg() makes, for GroupPickup's side of the search. */
int gp_bench_channel_lookup(const char *name)
{
	struct ast_channel *target = gp_channel_find_exact(name);

	if (!target) {
		return -1;
	}
	ast_channel_lock(target);
	ast_channel_unlock(target);
	ast_channel_unref(target);
	return 0;
}

/*
 * GROUPPICKUP_BENCH_FIND(native|ours,<number>,<count>): finds the pickup
 * target <count> times from the reading channel and returns how long each
 * attempt took, in nanoseconds, space separated, then "found=<n>". Native
 * is ast_pickup_find_by_group(), the search of Pickup(); ours is what
 * GroupPickup() does before it picks up: resolve the number, claim the
 * oldest call, look its leg's channel up by name (then the claim is given
 * back). Native's target comes back locked and referenced and is released
 * outside the timing; ours locks, releases and gives the claim back inside
 * it. Not in production builds.
 */
static int bench_find_read(struct ast_channel *chan, const char *cmd, char *data,
	struct ast_str **buf, ssize_t len)
{
	AST_DECLARE_APP_ARGS(args,
		AST_APP_ARG(which);
		AST_APP_ARG(number);
		AST_APP_ARG(count);
	);
	int native, count, i, found = 0;
	char *parse = ast_strdupa(S_OR(data, ""));

	AST_STANDARD_APP_ARGS(args, parse);
	native = !strcmp(S_OR(args.which, ""), "native");
	count = args.count ? atoi(args.count) : 0;
	if (!chan || count <= 0 || (!native && strcmp(S_OR(args.which, ""), "ours"))) {
		ast_log(LOG_ERROR, "usage: GROUPPICKUP_BENCH_FIND(native|ours,<number>,<count>)\n");
		return -1;
	}
	ast_str_reset(*buf);
	for (i = 0; i < count; i++) {
		struct timespec t0, t1;
		int hit;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (native) {
			struct ast_channel *target = ast_pickup_find_by_group(chan);

			clock_gettime(CLOCK_MONOTONIC, &t1);
			hit = target != NULL;
			if (target) {
				ast_channel_unlock(target);
				ast_channel_unref(target);
			}
		} else {
			hit = gp_rs_bench_find(chan, S_OR(args.number, "")) == 0;
			clock_gettime(CLOCK_MONOTONIC, &t1);
		}
		found += hit;
		ast_str_append(buf, len, "%lld ",
			(long long) (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	}
	ast_str_append(buf, len, "found=%d", found);
	return 0;
}

static struct ast_custom_function bench_find_function = {
	.name = "GROUPPICKUP_BENCH_FIND",
	.read2 = bench_find_read,
};

/*
 * GROUPPICKUP_BENCH_LOOKUP(<channel name>): how long one lookup of a channel
 * by name takes, in nanoseconds: the unrelated channel operation whose
 * stall during pickups the benchmark measures. Returned as
 * "<ns>:<voluntary>:<involuntary>", the context switches of this thread
 * around the lookup: a voluntary one means it slept (waited for a lock), an
 * involuntary one that the scheduler gave its core to another thread.
 */
static int bench_lookup_read(struct ast_channel *chan, const char *cmd, char *data,
	char *buf, size_t len)
{
	struct timespec t0, t1;
	struct rusage r0, r1;
	struct ast_channel *found;

	getrusage(RUSAGE_THREAD, &r0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	found = ast_channel_get_by_name(S_OR(data, ""));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_THREAD, &r1);
	if (found) {
		ast_channel_unref(found);
	}
	snprintf(buf, len, "%lld:%ld:%ld",
		(long long) (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
		r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw);
	return 0;
}

static struct ast_custom_function bench_lookup_function = {
	.name = "GROUPPICKUP_BENCH_LOOKUP",
	.read = bench_lookup_read,
};

int gp_bench_load(void)
{
	if (ast_custom_function_register(&bench_find_function)
		|| ast_custom_function_register(&bench_lookup_function)) {
		gp_bench_unload();
		return -1;
	}
	return 0;
}

void gp_bench_unload(void)
{
	ast_custom_function_unregister(&bench_lookup_function);
	ast_custom_function_unregister(&bench_find_function);
}
