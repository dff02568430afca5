/* report-pdf.h - an analysis as an A4 PDF (cairo and pango) */
#ifndef NADZOR_REPORT_PDF_H
#define NADZOR_REPORT_PDF_H

#include <stdio.h>

#include <libxml/tree.h>

/*
 * The report document (urn:nadzor:report:1) as a PDF on f: a title block,
 * incidents by region as a bar chart, and every section as a table whose
 * header row comes again on each page it runs onto.  The words are those
 * of the language taken with i18n_use(); lang also guides the shaping of
 * the text.  0, or -1 with a message on stderr.
 */
int	report_pdf(FILE *f, xmlDocPtr doc, const char *lang);

#endif
