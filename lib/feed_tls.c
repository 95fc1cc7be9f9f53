// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "feed_tls.h"

static int write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	if (x)
		ok = PEM_write_X509(f, x);
	else
		ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	if (fclose(f) || !ok)
		return -1;
	return 0;
}

static X509 *make_cert(EVP_PKEY *k)
{
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	X509_NAME *name;
	X509 *x = X509_new();

	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
	X509_set_pubkey(x, k);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"latprobe wsfeed", -1,
				   -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1,
				   0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
				  "DNS:localhost,IP:127.0.0.1");
	if (!ext || !X509_add_ext(x, ext, -1) ||
	    !X509_sign(x, k, EVP_sha256())) {
		X509_EXTENSION_free(ext);
		X509_free(x);
		return NULL;
	}
	X509_EXTENSION_free(ext);
	return x;
}

int feed_tls_selfsigned(struct feed_tls *t)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int err = -1;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/wsfeed-tls.XXXXXX");
	if (!mkdtemp(t->dir)) {
		perror("wsfeed: mkdtemp");
		t->dir[0] = '\0';
		return -1;
	}
	snprintf(t->cert, sizeof(t->cert), "%s/cert.pem", t->dir);
	snprintf(t->key, sizeof(t->key), "%s/key.pem", t->dir);

	k = EVP_EC_gen("P-256");
	if (k)
		x = make_cert(k);
	if (!x) {
		fprintf(stderr, "wsfeed: certificate generation failed: %s\n",
			ERR_error_string(ERR_get_error(), NULL));
		goto out;
	}
	if (write_pem(t->key, NULL, k) || write_pem(t->cert, x, NULL)) {
		fprintf(stderr, "wsfeed: cannot write %s\n", t->dir);
		goto out;
	}
	err = 0;
out:
	X509_free(x);
	EVP_PKEY_free(k);
	if (err)
		feed_tls_cleanup(t);
	return err;
}

void feed_tls_cleanup(struct feed_tls *t)
{
	if (!t->dir[0])
		return;
	unlink(t->cert);
	unlink(t->key);
	rmdir(t->dir);
	t->dir[0] = '\0';
}
