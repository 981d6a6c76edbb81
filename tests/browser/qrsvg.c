/*
 * tests/browser/qrsvg.c — a QR code as SVG, drawn with libqrencode, for
 * tests/browser/test_pages.sh while `civseal render` is not in the build:
 *   qrsvg TEXT > code.svg
 * (level Q, 8 pixels per module, 4-module quiet zone).
 */
#include <stdio.h>

#include <qrencode.h>

int
main(int argc, char **argv)
{
	QRcode *q;
	int x, y, w, s = 8, m = 4;

	if (argc != 2) {
		fprintf(stderr, "usage: qrsvg TEXT\n");
		return 2;
	}
	if ((q = QRcode_encodeString(argv[1], 0, QR_ECLEVEL_Q, QR_MODE_8,
	    1)) == NULL) {
		perror("qrsvg: QRcode_encodeString");
		return 1;
	}
	w = q->width;
	printf("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\"><rect width=\"100%%\" "
	    "height=\"100%%\" fill=\"#fff\"/>", (w + 2 * m) * s,
	    (w + 2 * m) * s, w + 2 * m, w + 2 * m);
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				printf("<rect x=\"%d\" y=\"%d\" width=\"1\" "
				    "height=\"1\"/>", x + m, y + m);
	printf("</svg>\n");
	QRcode_free(q);
	return 0;
}
