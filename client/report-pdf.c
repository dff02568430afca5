/* report-pdf.c - an analysis as an A4 PDF, drawn with cairo and pango */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "i18n.h"
#include "log.h"
#include "report-doc.h"
#include "report-pdf.h"

#define PAGE_W		595.28	/* A4, in points */
#define PAGE_H		841.89
#define MARGIN		42.0	/* 15 mm */
#define WIDTH		(PAGE_W - 2 * MARGIN)
#define BOTTOM		(PAGE_H - MARGIN - 16.0)	/* above the page number */
#define FONT		"DejaVu Sans"	/* Cyrillic and every Kazakh letter */
#define TITLE_PT	14.0
#define KIND_PT		11.5
#define H2_PT		10.5
#define BODY_PT		8.5
#define SMALL_PT	7.5
#define PAD		2.5	/* inside a table cell */
#define COLS		6	/* figure, region, current, АППГ, change, % */
#define LABEL_LINES	3	/* of a figure's label; a value has one */
#define PARA_LINES	4	/* of a paragraph (a title, a line of the title
				 * block): the daemon's values may be long */
#define CHART_ROW	22.0	/* a region's two bars and the gap after */
#define CHART_ROW_MIN	10.0	/* as close as rows are drawn: more regions
				 * than fit a page so are left to the table */
#define CHART_LABEL	60.0	/* the region codes before the bars */
#define CHART_VALUE	30.0	/* a value after its bar */
#define CHART_BAR	(WIDTH - CHART_LABEL - CHART_VALUE - 3)	/* longest */

/* Widths of the columns after the figure's, which takes the rest. */
static const double col_w[COLS] = { 0, 46, 58, 58, 64, 64 };

/* Colours as the HTML page has them. */
struct rgb {
	double	r, g, b;
};
static const struct rgb black = { 0, 0, 0 }, grey = { .53, .53, .53 },
    head_bg = { .93, .93, .93 }, up = { .67, 0, 0 }, down = { 0, .4, 0 },
    bar_now = { .12, .31, .47 }, bar_then = { .62, .76, .9 };

/* One pass over the report: where it is on which page. */
struct pdf {
	cairo_t		*cr;
	PangoLayout	*lay;		/* one layout for every text */
	xmlNodePtr	 root;
	int		 page;		/* from 1 */
	int		 pages;		/* the total; 0 while counting them */
	double		 y;		/* top of what comes next */
};

/* One section's table: the columns it draws. */
struct table {
	struct pdf	*p;
	double		 x[COLS], w[COLS];	/* w 0: not drawn */
};

/* One region's bars in the chart. */
struct bar {
	const char	*key, *now, *then;
};

/* The bars of the chart as they are gathered. */
struct bars {
	struct bar	*v;
	size_t		 n;
	double		 max;
};

/*
 * Set the layout to text, wrapped at width into at most lines lines (0: as
 * many as it takes), cut with an ellipsis beyond: a value from the daemon
 * may be of any length, and must stay in its cell.  Its height in points.
 */
static double
text_set(struct pdf *p, const char *text, double pt, int bold, double width,
    PangoAlignment align, int lines)
{
	PangoFontDescription	*fd = pango_font_description_from_string(FONT);
	int			 h;

	pango_font_description_set_absolute_size(fd, pt * PANGO_SCALE);
	pango_font_description_set_weight(fd,
	    bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(p->lay, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(p->lay, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(p->lay, PANGO_WRAP_WORD_CHAR);
	/* A line break in a value is drawn as a mark: the line count holds. */
	pango_layout_set_single_paragraph_mode(p->lay, lines > 0);
	pango_layout_set_ellipsize(p->lay, lines > 0 ? PANGO_ELLIPSIZE_END :
	    PANGO_ELLIPSIZE_NONE);
	pango_layout_set_height(p->lay, lines > 0 ? -lines : -1);
	pango_layout_set_alignment(p->lay, align);
	pango_layout_set_text(p->lay, text, -1);
	pango_layout_get_size(p->lay, NULL, &h);
	return (double)h / PANGO_SCALE;
}

/* Draw the layout as set, its top left at x, y. */
static void
text_draw(struct pdf *p, double x, double y, const struct rgb *c)
{
	cairo_set_source_rgb(p->cr, c->r, c->g, c->b);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, p->lay);
}

/* A filled rectangle. */
static void
box(struct pdf *p, double x, double y, double w, double h,
    const struct rgb *c)
{
	cairo_set_source_rgb(p->cr, c->r, c->g, c->b);
	cairo_rectangle(p->cr, x, y, w, h);
	cairo_fill(p->cr);
}

/* The page's number at its foot. */
static void
page_foot(struct pdf *p)
{
	char	 words[256];

	i18n_fill(i18n_label("page.n-of-m"), p->page, p->pages, words,
	    sizeof words);
	text_set(p, words, SMALL_PT, 0, WIDTH, PANGO_ALIGN_CENTER, 1);
	text_draw(p, MARGIN, PAGE_H - MARGIN, &grey);
}

/* End this page, begin the next. */
static void
page_new(struct pdf *p)
{
	page_foot(p);
	cairo_show_page(p->cr);
	p->page++;
	p->y = MARGIN;
}

/* A new page when h points do not fit below y: 1 if one was begun. */
static int
page_room(struct pdf *p, double h)
{
	if (p->y + h <= BOTTOM)
		return 0;
	page_new(p);
	return 1;
}

/* A paragraph across the page at y; y moves below it and after more. */
static void
para(struct pdf *p, const char *text, double pt, int bold, double after)
{
	double	 h = text_set(p, text, pt, bold, WIDTH, PANGO_ALIGN_LEFT,
		    PARA_LINES);

	text_draw(p, MARGIN, p->y, &black);
	p->y += h + after;
}

/* The height a paragraph across the page takes. */
static double
para_height(struct pdf *p, const char *text, double pt, int bold)
{
	return text_set(p, text, pt, bold, WIDTH, PANGO_ALIGN_LEFT, PARA_LINES);
}

/* The title block: what, which period against which, for whom, when. */
static void
pdf_title(struct pdf *p)
{
	const char	*gen = rdoc_attr(p->root, "generated");
	const char	*scope = rdoc_attr(p->root, "scope");
	const char	*meta[4][2];
	char		 id[64], line[512], when[32];
	size_t		 i;

	para(p, i18n_label("report.title"), TITLE_PT, 1, 4);
	snprintf(id, sizeof id, "kind.%s", rdoc_attr(p->root, "kind"));
	snprintf(line, sizeof line, "%s %s", i18n_label(id),
	    rdoc_attr(p->root, "period"));
	para(p, line, KIND_PT, 1, 6);
	if (strlen(gen) >= 16)
		snprintf(when, sizeof when, "%.10s %.5s UTC", gen, gen + 11);
	else
		snprintf(when, sizeof when, "%s", gen);
	meta[0][0] = "meta.period";
	meta[0][1] = rdoc_attr(p->root, "period");
	meta[1][0] = "meta.previous";
	meta[1][1] = rdoc_attr(p->root, "previous");
	meta[2][0] = "meta.scope";
	meta[2][1] = strcmp(scope, "all") == 0 ?
	    i18n_label("meta.scope-all") : scope;
	meta[3][0] = "meta.generated";
	meta[3][1] = when;
	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof line, "%s: %s", i18n_label(meta[i][0]),
		    meta[i][1]);
		para(p, line, BODY_PT + 1, 0, 1);
	}
	box(p, MARGIN, p->y + 4, WIDTH, 0.8, &grey);
	p->y += 14;
}

/* Gather a region's incidents for the chart; the longest bar is the
 * largest finite value's (an infinite one is drawn as long as that). */
static int
bar_add(void *arg, const struct rdoc_fig *f)
{
	struct bars	*b = arg;
	double		 now = strtod(f->current, NULL);
	double		 then = strtod(f->previous, NULL);

	if (*f->key == '\0' || strcmp(f->id, "incidents.total") != 0)
		return 0;
	b->v = xrealloc(b->v, (b->n + 1) * sizeof *b->v);
	b->v[b->n].key = f->key;
	b->v[b->n].now = f->current;
	b->v[b->n].then = f->previous;
	b->n++;
	if (isfinite(now) && now > b->max)
		b->max = now;
	if (isfinite(then) && then > b->max)
		b->max = then;
	return 0;
}

/* One bar from x, y, its length for value, and the value after it.  The
 * length is kept between 0 and the longest (a value may be negative, or
 * not a number, or infinite). */
static void
bar_draw(struct pdf *p, double x, double y, double h, const char *value,
    double max, const struct rgb *c)
{
	double	 w = strtod(value, NULL) / max * CHART_BAR;

	if (!(w > 0))
		w = 0;
	else if (w > CHART_BAR)
		w = CHART_BAR;
	box(p, x, y, w, h, c);
	text_set(p, value, h < SMALL_PT ? h : SMALL_PT, 0, CHART_VALUE,
	    PANGO_ALIGN_LEFT, 1);
	text_draw(p, x + w + 3, y, &black);
}

/* The chart's key: this period dark, last year light. */
static void
chart_key(struct pdf *p)
{
	const char	*period[2] = { rdoc_attr(p->root, "period"),
			    rdoc_attr(p->root, "previous") };
	const struct rgb *c[2] = { &bar_now, &bar_then };
	double		 x = MARGIN + CHART_LABEL;
	int		 i;

	for (i = 0; i < 2; i++, x += 110) {
		box(p, x, p->y + 1, 8, 8, c[i]);
		text_set(p, period[i], SMALL_PT, 0, 90, PANGO_ALIGN_LEFT, 1);
		text_draw(p, x + 12, p->y, &black);
	}
	p->y += 14;
}

/* "Regions not shown: N" under a chart that had no room for them. */
static void
chart_more(struct pdf *p, size_t n)
{
	char	 words[256];

	i18n_fill(i18n_label("chart.more"), (long long)n, 0, words,
	    sizeof words);
	para(p, words, SMALL_PT, 0, 0);
}

/*
 * How many regions the chart draws, and how close: CHART_ROW apart, closer
 * when that is too tall for a page (on a new page if it does not fit
 * below what is drawn), never closer than CHART_ROW_MIN.  Beyond what a
 * page holds so, the chart takes the rest of this page (a new one if less
 * than half is left) and a line says how many regions it leaves to the
 * by-region table.
 */
static size_t
chart_rows(struct pdf *p, size_t n, double head, double *row)
{
	double	 page = BOTTOM - MARGIN - head, room;
	size_t	 fit;

	if (n * CHART_ROW_MIN <= page) {
		*row = n * CHART_ROW <= page ? CHART_ROW : page / n;
		page_room(p, head + n * *row);
		return n;
	}
	if (BOTTOM - p->y - head < page / 2)
		page_new(p);
	*row = CHART_ROW_MIN;
	room = BOTTOM - p->y - head -
	    para_height(p, i18n_label("chart.more"), SMALL_PT, 0);
	fit = room > 0 ? (size_t)(room / CHART_ROW_MIN) : 0;
	return fit < n ? fit : n;
}

/* Incidents by region, this period against last year, as the HTML page
 * draws them; a chart too tall for a page is drawn closer, and one of
 * more regions than a page holds leaves the rest to the table. */
static void
pdf_chart(struct pdf *p, xmlNodePtr section)
{
	struct bars	 b = { NULL, 0, 0 };
	double		 head, row, bh;
	size_t		 i, n;

	rdoc_each_figure(section, bar_add, &b);
	if (b.n == 0)
		goto done;
	if (b.max <= 0)
		b.max = 1;
	head = para_height(p, i18n_label("chart.title"), H2_PT, 1) + 4 + 14;
	n = chart_rows(p, b.n, head, &row);
	para(p, i18n_label("chart.title"), H2_PT, 1, 4);
	chart_key(p);
	bh = (row - 4) / 2;
	for (i = 0; i < n; i++, p->y += row) {
		text_set(p, b.v[i].key, BODY_PT, 0, CHART_LABEL - 4,
		    PANGO_ALIGN_LEFT, 1);
		text_draw(p, MARGIN, p->y + bh - BODY_PT / 2, &black);
		bar_draw(p, MARGIN + CHART_LABEL, p->y, bh, b.v[i].now, b.max,
		    &bar_now);
		bar_draw(p, MARGIN + CHART_LABEL, p->y + bh, bh, b.v[i].then,
		    b.max, &bar_then);
	}
	if (n < b.n)
		chart_more(p, b.n - n);
	p->y += 10;
done:
	free(b.v);
}

/* How a cell's text stands: numbers to the right, words to the left. */
static PangoAlignment
cell_align(int col, int header)
{
	return col >= 2 && !header ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT;
}

/* How many lines a cell's text may take: the column names (the
 * catalogue's) as many as they need, a figure's label a few, a value one. */
static int
cell_lines(int col, int header)
{
	return header ? 0 : col == 0 ? LABEL_LINES : 1;
}

/* Set the layout to one cell's text; its height. */
static double
cell_set(struct table *t, const char *text, int col, int header)
{
	return text_set(t->p, text, BODY_PT, header, t->w[col] - 2 * PAD,
	    cell_align(col, header), cell_lines(col, header));
}

/* The height of a row of cells, each wrapped in its column. */
static double
row_height(struct table *t, const char *const cell[COLS], int header)
{
	double	 h = 0, ch;
	int	 i;

	for (i = 0; i < COLS; i++) {
		if (t->w[i] == 0)
			continue;
		ch = cell_set(t, cell[i], i, header);
		if (ch > h)
			h = ch;
	}
	return h + 2 * PAD;
}

/* Draw a row of cells at y and move below it; tone colours the change
 * (above zero red, below green, as the HTML page does). */
static void
row_draw(struct table *t, const char *const cell[COLS], int header,
    int tone)
{
	struct pdf	*p = t->p;
	double		 h = row_height(t, cell, header);
	const struct rgb *c;
	int		 i;

	if (header)
		box(p, MARGIN, p->y, WIDTH, h, &head_bg);
	for (i = 0; i < COLS; i++) {
		if (t->w[i] == 0)
			continue;
		c = i == 4 && tone > 0 ? &up : i == 4 && tone < 0 ? &down :
		    &black;
		cell_set(t, cell[i], i, header);
		text_draw(p, t->x[i] + PAD, p->y + PAD, c);
		cairo_set_source_rgb(p->cr, grey.r, grey.g, grey.b);
		cairo_set_line_width(p->cr, 0.5);
		cairo_rectangle(p->cr, t->x[i], p->y, t->w[i], h);
		cairo_stroke(p->cr);
	}
	p->y += h;
}

/* The header row: the columns' names. */
static void
table_header(struct table *t)
{
	static const char *const ids[COLS] = { "col.figure", "col.region",
	    "col.current", "col.previous", "col.change", "col.change-pct" };
	const char	*cell[COLS];
	int		 i;

	for (i = 0; i < COLS; i++)
		cell[i] = i18n_label(ids[i]);
	row_draw(t, cell, 1, 0);
}

/* v with a "+" when above zero, as the HTML page shows a change (caller
 * frees): never cut, whatever its length. */
static char *
signed_value(const char *v)
{
	return g_strconcat(*v != '+' && strtod(v, NULL) > 0 ? "+" : "", v,
	    NULL);
}

/* A figure's row; on a new page under the header row again when it does
 * not fit. */
static int
table_figure(void *arg, const struct rdoc_fig *f)
{
	struct table	*t = arg;
	char		*change = signed_value(f->change);
	char		*pct = f->pct ? signed_value(f->pct) : g_strdup("—");
	const char	*cell[COLS] = { i18n_label(f->id), f->key, f->current,
			    f->previous, change, pct };
	double		 v = strtod(f->change, NULL);

	if (page_room(t->p, row_height(t, cell, 0)))
		table_header(t);
	row_draw(t, cell, 0, v > 0 ? 1 : v < 0 ? -1 : 0);
	g_free(change);
	g_free(pct);
	return 0;
}

/* The columns of a section's table: a region column only when the
 * section has region rows; the figure's takes what the others leave. */
static void
table_init(struct table *t, struct pdf *p, int regions)
{
	double	 x = MARGIN;
	int	 i;

	t->p = p;
	t->w[0] = WIDTH;
	for (i = 1; i < COLS; i++) {
		t->w[i] = i == 1 && !regions ? 0 : col_w[i];
		t->w[0] -= t->w[i];
	}
	for (i = 0; i < COLS; x += t->w[i], i++)
		t->x[i] = x;
}

/* A section: its heading, kept with the header and a first row, then a
 * table of its figures. */
static void
pdf_section(struct pdf *p, xmlNodePtr s)
{
	struct table	 t;
	char		 id[64];
	const char	*cell[COLS] = { "", "", "", "", "", "" };

	table_init(&t, p, rdoc_has_rows(s));
	snprintf(id, sizeof id, "section.%s", rdoc_attr(s, "id"));
	page_room(p, para_height(p, i18n_label(id), H2_PT, 1) + 4 +
	    3 * row_height(&t, cell, 0));
	para(p, i18n_label(id), H2_PT, 1, 4);
	table_header(&t);
	rdoc_each_figure(s, table_figure, &t);
	p->y += 12;
}

/* Draw the whole report on a surface; its number of pages, -1 if cairo
 * failed (the surface says why). */
static int
pdf_draw(cairo_surface_t *sf, PangoContext *ctx, xmlNodePtr root, int pages)
{
	struct pdf	 p;
	xmlNodePtr	 s;

	memset(&p, 0, sizeof p);
	p.cr = cairo_create(sf);
	pango_cairo_update_context(p.cr, ctx);
	p.lay = pango_layout_new(ctx);
	p.root = root;
	p.page = 1;
	p.pages = pages;
	p.y = MARGIN;
	pdf_title(&p);
	for (s = root->children; s != NULL; s = s->next)
		if (rdoc_is(s, "section") &&
		    strcmp(rdoc_attr(s, "id"), "by-region") == 0)
			pdf_chart(&p, s);
	for (s = root->children; s != NULL; s = s->next)
		if (rdoc_is(s, "section"))
			pdf_section(&p, s);
	page_foot(&p);
	cairo_show_page(p.cr);
	if (cairo_status(p.cr) != CAIRO_STATUS_SUCCESS)
		p.page = -1;
	g_object_unref(p.lay);
	cairo_destroy(p.cr);
	return p.page;
}

/* cairo's writer: to the file, or nowhere while the pages are counted. */
static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	if (closure == NULL)
		return CAIRO_STATUS_SUCCESS;
	return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

/* Say so when the font is missing: the text then comes out in whatever
 * fontconfig finds, which may lack the Kazakh letters. */
static void
pdf_font_check(PangoFontMap *fm, PangoContext *ctx)
{
	PangoFontDescription	*want = pango_font_description_from_string(FONT);
	PangoFontDescription	*got = NULL;
	PangoFont		*font = pango_font_map_load_font(fm, ctx, want);
	const char		*family = NULL;

	if (font != NULL) {
		got = pango_font_describe(font);
		family = pango_font_description_get_family(got);
	}
	if (family == NULL || strcasecmp(family, FONT) != 0)
		fprintf(stderr, "nadzor: the font %s is not installed (Debian: "
		    "fonts-dejavu-core); the PDF uses %s\n", FONT,
		    family != NULL ? family : "another");
	if (got != NULL)
		pango_font_description_free(got);
	if (font != NULL)
		g_object_unref(font);
	pango_font_description_free(want);
}

/* The PDF's own title and creator, for readers' window titles. */
static void
pdf_meta(cairo_surface_t *sf, xmlNodePtr root)
{
	char	 id[64], title[256];

	snprintf(id, sizeof id, "kind.%s", rdoc_attr(root, "kind"));
	snprintf(title, sizeof title, "%s %s", i18n_label(id),
	    rdoc_attr(root, "period"));
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR,
	    "nadzor");
}

/*
 * Two passes: the first, written nowhere, counts the pages so that every
 * page can say "page N of M"; the second writes them.  A font map of our
 * own, not pango's shared default, is freed with the report.
 */
int
report_pdf(FILE *f, xmlDocPtr doc, const char *lang)
{
	PangoFontMap	*fm = pango_cairo_font_map_new();
	PangoContext	*ctx = pango_font_map_create_context(fm);
	xmlNodePtr	 root = xmlDocGetRootElement(doc);
	cairo_surface_t	*sf;
	cairo_status_t	 st;
	int		 pages, rc = -1;

	pango_context_set_language(ctx, pango_language_from_string(lang));
	pdf_font_check(fm, ctx);
	sf = cairo_pdf_surface_create_for_stream(pdf_write, NULL, PAGE_W,
	    PAGE_H);
	if ((pages = pdf_draw(sf, ctx, root, 0)) != -1) {
		cairo_surface_destroy(sf);
		sf = cairo_pdf_surface_create_for_stream(pdf_write, f, PAGE_W,
		    PAGE_H);
		pdf_meta(sf, root);
		pages = pdf_draw(sf, ctx, root, pages);
		cairo_surface_finish(sf);
	}
	if ((st = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS)
		fprintf(stderr, "nadzor: cannot make the PDF: %s\n",
		    cairo_status_to_string(st));
	else if (pages == -1)
		fprintf(stderr, "nadzor: cannot draw the PDF\n");
	else
		rc = 0;
	cairo_surface_destroy(sf);
	g_object_unref(ctx);
	g_object_unref(fm);
	return rc;
}
