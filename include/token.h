/* token.h - bearer tokens: 256 random bits shown once, only their hash kept */
#ifndef NADZOR_TOKEN_H
#define NADZOR_TOKEN_H

#include <stddef.h>

#define TOKEN_BYTES	32	/* random bits: 256 */
#define TOKEN_LEN	44	/* base64url without padding, plus NUL */
#define TOKEN_HASHLEN	32

/* A new token in out and its hash in hash; -1 if libsodium cannot start. */
int	token_new(char out[TOKEN_LEN], unsigned char hash[TOKEN_HASHLEN]);
/* The hash a presented token is looked up by. */
void	token_hash(const char *token, size_t len, unsigned char hash[TOKEN_HASHLEN]);

#endif
