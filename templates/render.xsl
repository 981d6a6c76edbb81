<?xml version="1.0" encoding="UTF-8"?>
<!--
  templates/render.xsl — a signed birth certificate or death extract as an
  HTML5 page laid out like the paper form (docs/rendering.md).

  Output is polyglot HTML5 (well-formed XML, served as text/html): no empty
  non-void element, no ">" inside <style>.  signer/render.c also draws the PDF
  by walking this very output, so every word on the page comes from here; its
  walker understands the classes "cols"/"col", "w40"/"w60", "center", "bold",
  "italic", "small", "gap", "fields", "qr" and the elements h1, p and b.

  Values that XSLT 1.0 cannot compute are parameters, set by signer/render.c
  from the record (never from a client): upper-cased names, dates and the
  time of death in words (core/datewords), the signing time in ICT, the
  certificate subject, whether there is a QR code (has_qr, '1' or '') and,
  for the HTML only, the QR code as inline SVG (the PDF draws it itself).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:c="urn:civseal:extract:1"
    xmlns="http://www.w3.org/1999/xhtml"
    exclude-result-prefixes="c">

  <xsl:output method="xml" omit-xml-declaration="yes" encoding="UTF-8"
      indent="no"/>

  <xsl:param name="office_upper" select="''"/>
  <xsl:param name="holder_upper" select="''"/>
  <xsl:param name="mother_upper" select="''"/>
  <xsl:param name="father_upper" select="''"/>
  <xsl:param name="declarant_upper" select="''"/>
  <xsl:param name="birth_words" select="''"/>
  <xsl:param name="death_time_digits" select="''"/>
  <xsl:param name="death_time_words" select="''"/>
  <xsl:param name="sign_date_line" select="''"/>
  <xsl:param name="signed_by" select="''"/>
  <xsl:param name="signed_at_local" select="''"/>
  <xsl:param name="has_qr" select="''"/>
  <xsl:param name="qr_svg" select="''"/>

  <xsl:variable name="nbsp" select="'&#160;'"/>
  <xsl:variable name="tab" select="'&#160;&#160;&#160;&#160;'"/>

  <!-- YYYY-MM-DD as DD/MM/YYYY -->
  <xsl:template name="dmy">
    <xsl:param name="d"/>
    <xsl:value-of select="concat(substring($d, 9, 2), '/',
        substring($d, 6, 2), '/', substring($d, 1, 4))"/>
  </xsl:template>

  <!-- A value, or a blank that keeps the element non-empty. -->
  <xsl:template name="val">
    <xsl:param name="v"/>
    <xsl:choose>
      <xsl:when test="string-length($v) &gt; 0">
        <xsl:value-of select="$v"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$nbsp"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="gender">
    <xsl:param name="g"/>
    <xsl:choose>
      <xsl:when test="$g = 'male'">Nam</xsl:when>
      <xsl:when test="$g = 'female'">Nữ</xsl:when>
      <xsl:otherwise><xsl:value-of select="$g"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="css">
    <style>
@page { size: A4; margin: 20mm 20mm 20mm 30mm; }
html { background: #fff; }
body { margin: 0; color: #000; font-family: "Noto Serif", "DejaVu Serif", serif; font-size: 11.5pt; line-height: 1.35; }
.page { box-sizing: border-box; width: 210mm; min-height: 297mm; margin: 0 auto; padding: 20mm 20mm 20mm 30mm; background: #fff; }
.cols { display: flex; align-items: flex-start; gap: 6mm; }
.col { flex: 1 1 0; }
.w40 { flex: 0 0 38%; }
.w60 { flex: 1 1 0; }
p { margin: 0 0 1.6mm; }
h1 { margin: 9mm 0 1mm; font-size: 16pt; text-align: center; }
.center { text-align: center; }
.bold { font-weight: bold; }
.italic { font-style: italic; }
.small { font-size: 9pt; }
.gap { margin-top: 5mm; }
.fields { margin-top: 6mm; }
.qr { width: 30mm; height: 30mm; margin-bottom: 2mm; }
.qr svg { display: block; width: 30mm; height: 30mm; }
@media screen { html { background: #e8e8e8; } .page { margin: 8mm auto; box-shadow: 0 0 3mm #999; } }
@media print {
  body { line-height: 1.25; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
  p { margin-bottom: 1.1mm; }
  h1 { margin-top: 6mm; }
  .gap { margin-top: 3.5mm; }
  .fields { margin-top: 4mm; }
  footer { break-inside: avoid; }
}
    </style>
  </xsl:template>

  <xsl:template name="page">
    <xsl:param name="title"/>
    <xsl:param name="name"/>
    <xsl:param name="body"/>
    <xsl:text disable-output-escaping="yes">&lt;!DOCTYPE html&gt;&#10;</xsl:text>
    <html lang="vi" xml:lang="vi">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="concat($title, ' — ', $name)"/></title>
        <xsl:call-template name="css"/>
      </head>
      <body>
        <main class="page">
          <xsl:copy-of select="$body"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <!-- Office and register entry on the left, the national motto right. -->
  <xsl:template name="top">
    <xsl:param name="title"/>
    <header class="cols">
      <div class="col w40">
        <p class="center bold">
          <xsl:call-template name="val">
            <xsl:with-param name="v" select="$office_upper"/>
          </xsl:call-template>
        </p>
        <p class="center">Số: <xsl:value-of select="c:Registration/c:Number"/></p>
        <p class="center">Quyển số: <xsl:value-of select="c:Registration/c:Book"/></p>
      </div>
      <div class="col w60">
        <p class="center bold">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</p>
        <p class="center bold">Độc lập - Tự do - Hạnh phúc</p>
      </div>
    </header>
    <h1><xsl:value-of select="$title"/></h1>
    <p class="center italic">(Bản điện tử)</p>
  </xsl:template>

  <!-- The identity document of a declarant. -->
  <xsl:template name="declarant">
    <xsl:param name="label"/>
    <xsl:param name="rel_label"/>
    <p><xsl:value-of select="$label"/>: <b>
      <xsl:call-template name="val">
        <xsl:with-param name="v" select="$declarant_upper"/>
      </xsl:call-template></b>
      <xsl:value-of select="concat($tab, $rel_label, ': ',
          c:Declarant/c:Relationship)"/>
    </p>
    <p>Giấy tờ tùy thân: Số định danh cá nhân <xsl:value-of
        select="c:Declarant/c:PersonalId"/></p>
  </xsl:template>

  <!-- Electronic signature note and QR left; signature block right. -->
  <xsl:template name="bottom">
    <p>Nơi đăng ký: <xsl:value-of select="c:Registration/c:Place"/></p>
    <p>Ngày, tháng, năm đăng ký: <xsl:call-template name="dmy">
        <xsl:with-param name="d" select="c:Registration/c:Date"/>
      </xsl:call-template></p>
    <footer class="cols gap">
      <div class="col">
        <xsl:if test="$has_qr = '1'">
          <div class="qr">
            <xsl:value-of select="$qr_svg" disable-output-escaping="yes"/>
          </div>
        </xsl:if>
        <p class="small">Văn bản điện tử được ký số bởi: <xsl:call-template
            name="val"><xsl:with-param name="v" select="$signed_by"/>
          </xsl:call-template></p>
        <p class="small">Thời gian ký: <xsl:call-template name="val">
            <xsl:with-param name="v" select="$signed_at_local"/>
          </xsl:call-template></p>
        <p class="small">Mã văn bản: <xsl:value-of
            select="c:Header/c:DocumentId"/></p>
        <xsl:if test="$has_qr = '1'">
          <p class="small italic">Quét mã QR để kiểm tra tính xác thực
            của văn bản.</p>
        </xsl:if>
      </div>
      <div class="col">
        <p class="center italic"><xsl:call-template name="val">
            <xsl:with-param name="v" select="$sign_date_line"/>
          </xsl:call-template></p>
        <p class="center bold">TM. ỦY BAN NHÂN DÂN</p>
        <xsl:choose>
          <xsl:when test="c:Signer/c:Title = 'Phó Chủ tịch'">
            <p class="center bold">KT. CHỦ TỊCH</p>
            <p class="center bold">PHÓ CHỦ TỊCH</p>
          </xsl:when>
          <xsl:otherwise>
            <p class="center bold">CHỦ TỊCH</p>
          </xsl:otherwise>
        </xsl:choose>
        <p class="center italic gap">(Đã ký số)</p>
        <p class="center bold gap"><xsl:value-of
            select="c:Signer/c:FullName"/></p>
      </div>
    </footer>
  </xsl:template>

  <!-- A parent's block of the birth certificate. -->
  <xsl:template name="parent">
    <xsl:param name="who"/>
    <xsl:param name="p"/>
    <xsl:param name="upper"/>
    <p class="gap">Họ, chữ đệm và tên người <xsl:value-of select="$who"/>: <b>
      <xsl:call-template name="val">
        <xsl:with-param name="v" select="$upper"/>
      </xsl:call-template></b></p>
    <xsl:if test="$p">
      <p>Ngày, tháng, năm sinh: <xsl:call-template name="dmy">
          <xsl:with-param name="d" select="$p/c:BirthDate"/>
        </xsl:call-template>
        <xsl:if test="$p/c:Ethnicity">
          <xsl:value-of select="concat($tab, 'Dân tộc: ', $p/c:Ethnicity)"/>
        </xsl:if>
        <xsl:value-of select="concat($tab, 'Quốc tịch: ', $p/c:Nationality)"/>
      </p>
      <xsl:if test="$p/c:PersonalId">
        <p>Số định danh cá nhân: <xsl:value-of select="$p/c:PersonalId"/></p>
      </xsl:if>
      <p>Nơi cư trú: <xsl:value-of select="$p/c:Residence"/></p>
    </xsl:if>
  </xsl:template>

  <xsl:template match="/c:BirthCertificate">
    <xsl:call-template name="page">
      <xsl:with-param name="title" select="'Giấy khai sinh'"/>
      <xsl:with-param name="name" select="$holder_upper"/>
      <xsl:with-param name="body">
        <xsl:call-template name="top">
          <xsl:with-param name="title" select="'GIẤY KHAI SINH'"/>
        </xsl:call-template>
        <section class="fields">
          <p>Họ, chữ đệm và tên: <b><xsl:call-template name="val">
              <xsl:with-param name="v" select="$holder_upper"/>
            </xsl:call-template></b></p>
          <p>Ngày, tháng, năm sinh: <b><xsl:call-template name="dmy">
              <xsl:with-param name="d" select="c:Child/c:BirthDate"/>
            </xsl:call-template></b></p>
          <p>Ghi bằng chữ: <xsl:call-template name="val">
              <xsl:with-param name="v" select="$birth_words"/>
            </xsl:call-template></p>
          <p>Giới tính: <xsl:call-template name="gender">
              <xsl:with-param name="g" select="c:Child/c:Gender"/>
            </xsl:call-template>
            <xsl:value-of select="concat($tab, 'Dân tộc: ',
                c:Child/c:Ethnicity, $tab, 'Quốc tịch: ',
                c:Child/c:Nationality)"/></p>
          <p>Nơi sinh: <xsl:value-of select="c:Child/c:BirthPlace"/></p>
          <p>Quê quán: <xsl:value-of select="c:Child/c:Hometown"/></p>
          <p>Số định danh cá nhân: <b><xsl:value-of
              select="c:Child/c:PersonalId"/></b></p>
          <xsl:call-template name="parent">
            <xsl:with-param name="who" select="'mẹ'"/>
            <xsl:with-param name="p" select="c:Mother"/>
            <xsl:with-param name="upper" select="$mother_upper"/>
          </xsl:call-template>
          <xsl:call-template name="parent">
            <xsl:with-param name="who" select="'cha'"/>
            <xsl:with-param name="p" select="c:Father"/>
            <xsl:with-param name="upper" select="$father_upper"/>
          </xsl:call-template>
          <div class="gap">
            <xsl:call-template name="declarant">
              <xsl:with-param name="label" select="'Người đi khai sinh'"/>
              <xsl:with-param name="rel_label" select="'Quan hệ với người được khai sinh'"/>
            </xsl:call-template>
          </div>
          <xsl:call-template name="bottom"/>
        </section>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="/c:DeathExtract">
    <xsl:call-template name="page">
      <xsl:with-param name="title" select="'Trích lục khai tử'"/>
      <xsl:with-param name="name" select="$holder_upper"/>
      <xsl:with-param name="body">
        <xsl:call-template name="top">
          <xsl:with-param name="title" select="'TRÍCH LỤC KHAI TỬ'"/>
        </xsl:call-template>
        <section class="fields">
          <p>Họ, chữ đệm và tên người đã chết: <b><xsl:call-template
              name="val"><xsl:with-param name="v" select="$holder_upper"/>
            </xsl:call-template></b></p>
          <p>Ngày, tháng, năm sinh: <xsl:call-template name="dmy">
              <xsl:with-param name="d" select="c:Deceased/c:BirthDate"/>
            </xsl:call-template></p>
          <p>Ghi bằng chữ: <xsl:call-template name="val">
              <xsl:with-param name="v" select="$birth_words"/>
            </xsl:call-template></p>
          <p>Giới tính: <xsl:call-template name="gender">
              <xsl:with-param name="g" select="c:Deceased/c:Gender"/>
            </xsl:call-template>
            <xsl:value-of select="concat($tab, 'Dân tộc: ',
                c:Deceased/c:Ethnicity, $tab, 'Quốc tịch: ',
                c:Deceased/c:Nationality)"/></p>
          <p>Số định danh cá nhân: <xsl:value-of
              select="c:Deceased/c:PersonalId"/></p>
          <p>Nơi cư trú cuối cùng: <xsl:value-of
              select="c:Deceased/c:LastResidence"/></p>
          <p class="gap">Đã chết vào lúc: <b><xsl:call-template name="val">
              <xsl:with-param name="v" select="$death_time_digits"/>
            </xsl:call-template></b></p>
          <p>Ghi bằng chữ: <xsl:call-template name="val">
              <xsl:with-param name="v" select="$death_time_words"/>
            </xsl:call-template></p>
          <p>Nơi chết: <xsl:value-of select="c:Death/c:Place"/></p>
          <p>Nguyên nhân chết: <xsl:call-template name="val">
              <xsl:with-param name="v" select="c:Death/c:Cause"/>
            </xsl:call-template></p>
          <p>Giấy báo tử số: <xsl:value-of select="c:Death/c:Notice/c:Number"/>
            <xsl:value-of select="concat($tab, 'Ngày cấp: ')"/>
            <xsl:call-template name="dmy">
              <xsl:with-param name="d" select="c:Death/c:Notice/c:Date"/>
            </xsl:call-template></p>
          <p>Cơ quan cấp: <xsl:value-of select="c:Death/c:Notice/c:Issuer"/></p>
          <div class="gap">
            <xsl:call-template name="declarant">
              <xsl:with-param name="label" select="'Người đi khai tử'"/>
              <xsl:with-param name="rel_label" select="'Quan hệ với người đã chết'"/>
            </xsl:call-template>
          </div>
          <xsl:call-template name="bottom"/>
        </section>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <!-- Anything else is not a document we render. -->
  <xsl:template match="/*" priority="-1">
    <xsl:message terminate="yes">not a civseal document: <xsl:value-of
        select="name()"/></xsl:message>
  </xsl:template>

</xsl:stylesheet>
