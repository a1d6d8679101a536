/* tests/unit/t.h - minimal test helper; each test binary ends with t_done().
 *
 * Table-driven tests are preferred: a static array of cases and one loop.
 * Every failing check prints file, line and the expression (and, for string
 * comparisons, both values); the binary's last line is "SUITE: N passed,
 * N failed", which tests/run-all.sh sums.
 */
#ifndef TESTS_UNIT_T_H
#define TESTS_UNIT_T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define T_OK(cond)                                                                       \
	do {                                                                             \
		if (cond) {                                                              \
			t_pass++;                                                        \
		} else {                                                                 \
			t_fail++;                                                        \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                        \
	} while (0)

#define T_STREQ(got, want)                                                                   \
	do {                                                                                 \
		const char *t_g_ = (got), *t_w_ = (want);                                    \
		if (t_g_ != NULL && t_w_ != NULL && strcmp(t_g_, t_w_) == 0) {               \
			t_pass++;                                                            \
		} else if (t_g_ == NULL && t_w_ == NULL) {                                   \
			t_pass++;                                                            \
		} else {                                                                     \
			t_fail++;                                                            \
			fprintf(stderr, "%s:%d: FAIL: %s\n  got:  \"%s\"\n  want: \"%s\"\n", \
				__FILE__, __LINE__, #got, t_g_ ? t_g_ : "(null)",            \
				t_w_ ? t_w_ : "(null)");                                     \
		}                                                                            \
	} while (0)

#define T_INTEQ(got, want)                                                                \
	do {                                                                              \
		long long t_g_ = (long long)(got), t_w_ = (long long)(want);              \
		if (t_g_ == t_w_) {                                                       \
			t_pass++;                                                         \
		} else {                                                                  \
			t_fail++;                                                         \
			fprintf(stderr, "%s:%d: FAIL: %s == %lld, want %lld\n", __FILE__, \
				__LINE__, #got, t_g_, t_w_);                              \
		}                                                                         \
	} while (0)

static inline int t_done(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, t_pass, t_fail);
	return t_fail == 0 ? 0 : 1;
}

#endif
