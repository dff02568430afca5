<?xml version="1.0" encoding="UTF-8"?>
<!--
  report-html.xsl - an analysis (urn:nadzor:report:1) as a printable HTML page.
  Parameter lang: ru (default), kk or en, for <html lang>.  The words come
  from l:label('id'), an extension function nadzor registers: the gettext
  catalogue (reports/po/) of the language nadzor took, by the ids the report
  carries; an id without a translation shows as itself.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:r="urn:nadzor:report:1"
    xmlns:l="urn:nadzor:labels:1"
    xmlns:svg="http://www.w3.org/2000/svg"
    exclude-result-prefixes="r l svg">

  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:param name="lang" select="'ru'"/>

  <xsl:template match="/r:report">
    <html lang="{$lang}">
      <head>
        <title>
          <xsl:value-of select="l:label(concat('kind.', @kind))"/>
          <xsl:text> </xsl:text><xsl:value-of select="@period"/>
        </title>
        <meta name="nadzor-data-sha256" content="{@data-sha256}"/>
        <style>
          body { font: 11pt/1.35 "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #000; }
          h1 { font-size: 15pt; margin: 0 0 .3em; }
          h2 { font-size: 12pt; margin: 1.4em 0 .4em; page-break-after: avoid; }
          table { border-collapse: collapse; width: 100%; page-break-inside: avoid; }
          th, td { border: 1px solid #888; padding: 2px 6px; }
          th { background: #eee; text-align: left; }
          td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
          .meta { margin: 0 0 1em; }
          .up { color: #a00; } .down { color: #060; }
          .since-submission { border: 2px solid #a00; padding: 0 .8em; margin: 0 0 1em; }
          @media print { body { margin: 0; } }
        </style>
      </head>
      <body>
        <h1>
          <xsl:value-of select="l:label('report.title')"/>
        </h1>
        <p class="meta">
          <xsl:value-of select="l:label(concat('kind.', @kind))"/>
          <xsl:text>. </xsl:text>
          <xsl:value-of select="l:label('meta.period')"/>
          <xsl:text>: </xsl:text><b class="period"><xsl:value-of select="@period"/></b>
          <xsl:text>; </xsl:text>
          <xsl:value-of select="l:label('meta.previous')"/>
          <xsl:text>: </xsl:text><xsl:value-of select="@previous"/>
          <xsl:text>; </xsl:text>
          <xsl:value-of select="l:label('meta.scope')"/>
          <xsl:text>: </xsl:text>
          <span class="scope">
            <xsl:choose>
              <xsl:when test="@scope = 'all'">
                <xsl:value-of select="l:label('meta.scope-all')"/>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="@scope"/></xsl:otherwise>
            </xsl:choose>
          </span>
          <xsl:text>. </xsl:text>
          <xsl:value-of select="l:label('meta.generated')"/>
          <xsl:text>: </xsl:text><xsl:value-of select="concat(substring(@generated, 1, 10), ' ', substring(@generated, 12, 5), ' UTC')"/>
        </p>
        <xsl:apply-templates select="r:since-submission"/>
        <xsl:apply-templates select="r:section[@id = 'by-region']" mode="chart"/>
        <xsl:apply-templates select="r:section"/>
      </body>
    </html>
  </xsl:template>

  <!-- One table per section; region rows carry their code. -->
  <xsl:template match="r:section">
    <h2 id="{@id}">
      <xsl:value-of select="l:label(concat('section.', @id))"/>
    </h2>
    <table class="section-{@id}">
      <tr>
        <th><xsl:value-of select="l:label('col.figure')"/></th>
        <xsl:if test="r:row">
          <th><xsl:value-of select="l:label('col.region')"/></th>
        </xsl:if>
        <th><xsl:value-of select="l:label('col.current')"/></th>
        <th><xsl:value-of select="l:label('col.previous')"/></th>
        <th><xsl:value-of select="l:label('col.change')"/></th>
        <th><xsl:value-of select="l:label('col.change-pct')"/></th>
      </tr>
      <xsl:apply-templates select="r:figure | r:row/r:figure"/>
    </table>
  </xsl:template>

  <xsl:template match="r:figure">
    <tr data-id="{@id}" data-region="{../@key}">
      <td><xsl:value-of select="l:label(@id)"/></td>
      <xsl:if test="../../r:row or ../r:row">
        <td><xsl:value-of select="../@key"/></td>
      </xsl:if>
      <td class="n current"><xsl:value-of select="@current"/></td>
      <td class="n previous"><xsl:value-of select="@previous"/></td>
      <td class="n change">
        <xsl:attribute name="class">
          <xsl:text>n change</xsl:text>
          <xsl:if test="@change &gt; 0"> up</xsl:if>
          <xsl:if test="@change &lt; 0"> down</xsl:if>
        </xsl:attribute>
        <xsl:if test="@change &gt; 0">+</xsl:if><xsl:value-of select="@change"/>
      </td>
      <td class="n pct">
        <xsl:choose>
          <xsl:when test="@change-pct">
            <xsl:if test="@change-pct &gt; 0">+</xsl:if><xsl:value-of select="@change-pct"/>
          </xsl:when>
          <xsl:otherwise>—</xsl:otherwise>
        </xsl:choose>
      </td>
    </tr>
  </xsl:template>

  <!-- Incidents by region: this period (dark) against last year (light). -->
  <xsl:template match="r:section" mode="chart">
    <xsl:variable name="figs" select="r:row/r:figure[@id = 'incidents.total']"/>
    <xsl:variable name="max">
      <xsl:for-each select="$figs/@current | $figs/@previous">
        <xsl:sort data-type="number" order="descending"/>
        <xsl:if test="position() = 1"><xsl:value-of select="."/></xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="scale" select="400 div ($max + ($max = 0))"/>
    <xsl:if test="$figs">
      <h2>
        <xsl:value-of select="l:label('chart.title')"/>
      </h2>
      <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="560"
          height="{count($figs) * 30 + 30}" role="img">
        <rect x="90" y="4" width="10" height="10" fill="#1f4e79"/>
        <text x="104" y="13" font-size="10">
          <xsl:value-of select="/r:report/@period"/>
        </text>
        <rect x="200" y="4" width="10" height="10" fill="#9dc3e6"/>
        <text x="214" y="13" font-size="10">
          <xsl:value-of select="/r:report/@previous"/>
        </text>
        <xsl:for-each select="$figs">
          <xsl:variable name="y" select="(position() - 1) * 30 + 24"/>
          <text x="0" y="{$y + 14}" font-size="11"><xsl:value-of select="../@key"/></text>
          <rect class="bar-current" x="90" y="{$y}" height="11"
              width="{@current * $scale}" fill="#1f4e79"/>
          <text x="{94 + @current * $scale}" y="{$y + 9}" font-size="9"><xsl:value-of select="@current"/></text>
          <rect class="bar-previous" x="90" y="{$y + 12}" height="11"
              width="{@previous * $scale}" fill="#9dc3e6"/>
          <text x="{94 + @previous * $scale}" y="{$y + 21}" font-size="9"><xsl:value-of select="@previous"/></text>
        </xsl:for-each>
      </svg>
    </xsl:if>
  </xsl:template>

  <!-- l:label(id), or the English words while the catalogues lack id. -->
  <xsl:template name="words">
    <xsl:param name="id"/>
    <xsl:param name="en"/>
    <xsl:variable name="w" select="l:label($id)"/>
    <xsl:choose>
      <xsl:when test="$w != $id"><xsl:value-of select="$w"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$en"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A report that was submitted: each value that differs now. -->
  <xsl:template match="r:since-submission">
    <div class="since-submission" data-submission="{@id}" data-changed="{@changed}">
      <p>
        <b>
          <xsl:call-template name="words">
            <xsl:with-param name="id" select="'since.submitted'"/>
            <xsl:with-param name="en" select="'Submitted'"/>
          </xsl:call-template>
        </b>
        <xsl:value-of select="concat(': #', @id, ', ', substring(@at, 1, 10), ' ',
            substring(@at, 12, 5), ' UTC, ', @by, '. ')"/>
        <xsl:choose>
          <xsl:when test="r:changed">
            <xsl:call-template name="words">
              <xsl:with-param name="id" select="'since.changed'"/>
              <xsl:with-param name="en" select="'Figures changed since'"/>
            </xsl:call-template>
            <xsl:value-of select="concat(': ', @changed)"/>
          </xsl:when>
          <xsl:otherwise>
            <xsl:call-template name="words">
              <xsl:with-param name="id" select="'since.unchanged'"/>
              <xsl:with-param name="en" select="'No figure has changed since'"/>
            </xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </p>
      <xsl:if test="r:changed">
        <ul>
          <xsl:for-each select="r:changed">
            <li data-id="{@id}" data-region="{@key}" data-column="{@column}">
              <xsl:value-of select="l:label(@id)"/>
              <xsl:if test="@key"><xsl:value-of select="concat(' (', @key, ')')"/></xsl:if>
              <xsl:if test="@column = 'previous'">
                <xsl:value-of select="concat(', ', l:label('col.previous'))"/>
              </xsl:if>
              <xsl:value-of select="concat(': ', @submitted, ' → ', @now)"/>
            </li>
          </xsl:for-each>
        </ul>
      </xsl:if>
    </div>
  </xsl:template>
</xsl:stylesheet>
