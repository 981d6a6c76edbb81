/*
 * cli/cmd.h — the subcommands of the civseal CLI.  Each returns the process
 * exit status (documented in its --help) and prints human messages.
 */
#ifndef CS_CLI_CMD_H
#define CS_CLI_CMD_H

int cmd_sign(int argc, char **argv);	/* cli/cmd_sign.c */
int cmd_verify(int argc, char **argv);	/* cli/cmd_verify.c */
int cmd_hsm(int argc, char **argv);	/* cli/cmd_hsm.c */
int cmd_audit(int argc, char **argv);	/* cli/cmd_audit.c */
int cmd_verify_qr(int argc, char **argv);	/* cli/cmd_verify_qr.c */
int cmd_qr(int argc, char **argv);	/* cli/cmd_qr.c */
int cmd_render(int argc, char **argv);	/* cli/cmd_render.c */
int cmd_timestamp(int argc, char **argv);	/* cli/cmd_timestamp.c */

#endif
