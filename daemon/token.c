/* token.c - bearer tokens: random from the kernel, stored as SHA-256 */
#include <string.h>

#include <sodium.h>

#include "token.h"

/*
 * A token carries 256 bits from the kernel's generator, so a fast hash is
 * enough: there is no dictionary to slow down, unlike a password.  The hash
 * is what the database keeps; a stolen database yields no usable token.
 */
int
token_new(char out[TOKEN_LEN], unsigned char hash[TOKEN_HASHLEN])
{
	unsigned char raw[TOKEN_BYTES];

	if (sodium_init() == -1)
		return -1;
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, TOKEN_LEN, raw, sizeof raw,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	token_hash(out, strlen(out), hash);
	return 0;
}

void
token_hash(const char *token, size_t len, unsigned char hash[TOKEN_HASHLEN])
{
	crypto_hash_sha256(hash, (const unsigned char *)token, len);
}
