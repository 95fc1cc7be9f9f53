// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Function lookup in an ELF file for uprobes (API in uprobe_site.h): the
 * symbol tables through libelf, C++ names through libstdc++'s demangler,
 * the file offset through the program headers (what the kernel's uprobe
 * wants), then the placement in uprobe_place.c.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "uprobe_site.h"

/* libstdc++'s demangler (cxxabi.h), callable from C. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
			    int *status);

#define US_MAX_CANDS 16 /* distinct functions remembered for messages */
#define US_MAX_CLOSE 5	/* close matches printed */

char *uprobe_site_demangle(const char *sym)
{
	int status = 0;
	char *d;

	if (strncmp(sym, "_Z", 2))
		return NULL;
	d = __cxa_demangle(sym, NULL, NULL, &status);
	if (status) {
		free(d);
		return NULL;
	}
	return d;
}

/* "ns::C::f(int) const" -> "ns::C::f": cut at the parameter list's '('. */
static void strip_params(char *s)
{
	char *p = strrchr(s, ')');
	int depth = 0;

	if (!p)
		return;
	for (; p >= s; p--) {
		if (*p == ')')
			depth++;
		else if (*p == '(' && --depth == 0)
			break;
	}
	if (p > s)
		*p = '\0';
}

struct cand {
	uint64_t vaddr, size;
	char sym[US_NAME_LEN], pretty[US_NAME_LEN];
};

struct scan {
	const char *want;
	struct cand cands[US_MAX_CANDS];
	unsigned int ncands, nmatch; /* nmatch: distinct addresses matched */
	char close[US_MAX_CLOSE][US_NAME_LEN];
	int close_score[US_MAX_CLOSE];
	unsigned int nclose;
	unsigned int nfuncs;
	bool has_symtab;
};

static const char *last_component(const char *s)
{
	const char *p = s, *q;

	while ((q = strstr(p, "::")))
		p = q + 2;
	return p;
}

/* Bounded edit distance on short names (for "did you mean"). */
static int edit_distance(const char *a, const char *b)
{
	int la = strlen(a), lb = strlen(b), i, j;
	int row[65], prev, tmp;

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] =
				prev + (tolower(a[i - 1]) != tolower(b[j - 1]));
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

/*
 * Score how close name is to the wanted one (lower is closer), -1 if not:
 * the last "::" component equal (any case) 0, a typo or two away 1-2, the
 * wanted component inside it 3.
 */
static int closeness(const char *want, const char *name)
{
	const char *w = last_component(want), *n = last_component(name);
	int d;

	if (!*w || !*n)
		return -1;
	if (!strcasecmp(w, n))
		return 0;
	d = edit_distance(w, n);
	if (d <= 2)
		return d;
	return strlen(w) >= 4 && strcasestr(n, w) ? 3 : -1;
}

static void note_close(struct scan *sc, const char *pretty)
{
	int score = closeness(sc->want, pretty);
	unsigned int i, worst = 0;

	if (score < 0)
		return;
	for (i = 0; i < sc->nclose; i++)
		if (!strcmp(sc->close[i], pretty))
			return;
	if (sc->nclose < US_MAX_CLOSE) {
		worst = sc->nclose++;
	} else {
		for (i = 1; i < sc->nclose; i++)
			if (sc->close_score[i] > sc->close_score[worst])
				worst = i;
		if (sc->close_score[worst] <= score)
			return;
	}
	snprintf(sc->close[worst], US_NAME_LEN, "%s", pretty);
	sc->close_score[worst] = score;
}

static void note_match(struct scan *sc, const GElf_Sym *s, const char *sym,
		       const char *pretty)
{
	unsigned int i;

	for (i = 0; i < sc->ncands; i++)
		if (sc->cands[i].vaddr == s->st_value)
			return; /* .symtab and .dynsym, or an alias */
	sc->nmatch++;
	if (sc->ncands == US_MAX_CANDS)
		return;
	sc->cands[sc->ncands].vaddr = s->st_value;
	sc->cands[sc->ncands].size = s->st_size;
	snprintf(sc->cands[sc->ncands].sym, US_NAME_LEN, "%s", sym);
	snprintf(sc->cands[sc->ncands].pretty, US_NAME_LEN, "%s", pretty);
	sc->ncands++;
}

/*
 * One symbol: matches when its name (without "@VERSION") equals want, or
 * its demangled form does, with or without the parameter list.
 */
static void scan_sym(struct scan *sc, const GElf_Sym *s, const char *name)
{
	char base[US_NAME_LEN], pretty[US_NAME_LEN], *d, *at;
	bool match;

	snprintf(base, sizeof(base), "%s", name);
	at = strchr(base, '@');
	if (at)
		*at = '\0';
	d = uprobe_site_demangle(base);
	snprintf(pretty, sizeof(pretty), "%s", d ? d : base);
	match = !strcmp(base, sc->want) || (d && !strcmp(d, sc->want));
	if (!match && d) {
		strip_params(d);
		match = !strcmp(d, sc->want);
	}
	sc->nfuncs++;
	if (match) {
		note_match(sc, s, base, pretty);
	} else {
		if (d)
			snprintf(pretty, sizeof(pretty), "%s", d);
		note_close(sc, pretty);
	}
	free(d);
}

static void scan_table(struct scan *sc, Elf *elf, Elf_Scn *scn,
		       const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;
	GElf_Sym s;
	const char *name;

	if (!data || !sh->sh_entsize)
		return;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		if (!gelf_getsym(data, i, &s))
			continue;
		/* defined functions only; an ifunc's symbol is its resolver */
		if (GELF_ST_TYPE(s.st_info) != STT_FUNC ||
		    s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, s.st_name);
		if (name && *name)
			scan_sym(sc, &s, name);
	}
}

/* Virtual address -> file offset through the PT_LOAD segment holding it. */
static int vaddr_to_off(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -EIO;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static void list_names(char *out, size_t len, const char *head,
		       const char names[][US_NAME_LEN], unsigned int n)
{
	size_t o = strlen(out);
	unsigned int i;

	o += snprintf(out + o, o < len ? len - o : 0, "%s", head);
	for (i = 0; i < n && o < len; i++)
		o += snprintf(out + o, len - o, "%s%s", i ? ", " : "",
			      names[i]);
}

/* Closest first (a handful: insertion sort). */
static void sort_close(struct scan *sc)
{
	char tmp[US_NAME_LEN];
	int ts;

	for (unsigned int i = 1; i < sc->nclose; i++)
		for (unsigned int j = i; j > 0 && sc->close_score[j - 1] >
						    sc->close_score[j]; j--) {
			memcpy(tmp, sc->close[j], US_NAME_LEN);
			memcpy(sc->close[j], sc->close[j - 1], US_NAME_LEN);
			memcpy(sc->close[j - 1], tmp, US_NAME_LEN);
			ts = sc->close_score[j];
			sc->close_score[j] = sc->close_score[j - 1];
			sc->close_score[j - 1] = ts;
		}
}

static int report_miss(struct scan *sc, const char *path, const char *name,
		       bool quiet, char *err, size_t errlen)
{
	if (quiet && sc->has_symtab) {
		err[0] = '\0';
		return -ENOENT;
	}
	if (!sc->has_symtab)
		snprintf(
			err, errlen,
			"%s is stripped (no .symtab) and %s is not among its %u exported functions",
			path, name, sc->nfuncs);
	else
		snprintf(err, errlen, "no function %s in %s", name, path);
	sort_close(sc);
	list_names(err, errlen,
		   sc->nclose ? "; close matches: " : " (no close matches)",
		   sc->close, sc->nclose);
	return sc->has_symtab ? -ENOENT : -ENODATA;
}

static int report_ambiguous(const struct scan *sc, const char *name, char *err,
			    size_t errlen)
{
	size_t o;
	unsigned int i;

	o = snprintf(err, errlen,
		     "%s is ambiguous (%u functions); name one of: ", name,
		     sc->nmatch);
	for (i = 0; i < sc->ncands && o < errlen; i++)
		o += snprintf(err + o, errlen - o, "%s%s", i ? " | " : "",
			      sc->cands[i].pretty);
	return -ENOTUNIQ;
}

/* Fill site from the one match: offsets, then the placement. */
static int place(Elf *elf, int fd, const struct cand *c, const char *path,
		 enum us_mode mode, struct uprobe_site *site, char *err,
		 size_t errlen)
{
	uint8_t code[16];
	ssize_t n;

	memset(site, 0, sizeof(*site));
	snprintf(site->path, sizeof(site->path), "%s", path);
	snprintf(site->sym, sizeof(site->sym), "%s", c->sym);
	snprintf(site->pretty, sizeof(site->pretty), "%s", c->pretty);
	site->vaddr = c->vaddr;
	site->size = c->size;
	if (vaddr_to_off(elf, c->vaddr, &site->entry_off)) {
		snprintf(err, errlen,
			 "%s: %s at 0x%llx is in no loadable segment", path,
			 c->pretty, (unsigned long long)c->vaddr);
		return -ENOEXEC;
	}
	n = pread(fd, code, sizeof(code), site->entry_off);
	if (n <= 0) {
		snprintf(err, errlen, "%s: cannot read %s's code: %s", path,
			 c->pretty, n < 0 ? strerror(errno) : "short file");
		return -EIO;
	}
	/* never decode past the function's end when its size is known */
	if (c->size && (uint64_t)n > c->size)
		n = c->size;
	site->attach_off =
		site->entry_off + uprobe_site_place(code, n, mode, site);
	return 0;
}

int uprobe_site_lookup(const char *path, const char *name, enum us_mode mode,
		       bool quiet, struct uprobe_site *site, char *err,
		       size_t errlen)
{
	struct scan *sc;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int fd, ret;

	err[0] = '\0';
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EIO;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(err, errlen, "%s: not an ELF file", path);
		ret = -ENOEXEC;
		goto out;
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		ret = -ENOMEM;
		goto out;
	}
	sc->want = name;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			sc->has_symtab = true;
		if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)
			scan_table(sc, elf, scn, &sh);
	}
	if (sc->nmatch == 0)
		ret = report_miss(sc, path, name, quiet, err, errlen);
	else if (sc->nmatch > 1)
		ret = report_ambiguous(sc, name, err, errlen);
	else
		ret = place(elf, fd, &sc->cands[0], path, mode, site, err,
			    errlen);
	free(sc);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

int uprobe_site_resolve(const char *spec, const char *bin, int pid,
			enum us_mode mode, struct uprobe_site *site, char *err,
			size_t errlen)
{
	char lib[PATH_MAX], path[PATH_MAX];
	const char *colon = strchr(spec, ':'), *name = spec;
	int ret;

	/* "LIB:SYMBOL", but "ns::f" is a C++ name, not a library "ns" */
	if (colon && colon[1] != ':' && colon > spec && colon[-1] != ':') {
		if ((size_t)(colon - spec) >= sizeof(lib)) {
			snprintf(err, errlen, "%s: library name too long",
				 spec);
			return -ENAMETOOLONG;
		}
		memcpy(lib, spec, colon - spec);
		lib[colon - spec] = '\0';
		name = colon + 1;
		ret = uprobe_site_find_lib(lib, bin, pid, path, sizeof(path),
					   err, errlen);
		if (ret)
			return ret;
	} else {
		snprintf(path, sizeof(path), "%s", bin);
	}
	if (!*name) {
		snprintf(err, errlen, "%s: empty symbol name", spec);
		return -EINVAL;
	}
	return uprobe_site_lookup(path, name, mode, false, site, err, errlen);
}
