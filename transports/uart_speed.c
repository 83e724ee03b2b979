/* Setting a tty's speed and RTS/CTS flow control at run time.
 *
 * On Linux this uses termios2 with BOTHER, which takes any integer rate
 * (3250000 for Intel parts, 1843200, ...) instead of the fixed Bxxx set; it
 * lives in its own file because <asm/termbits.h> clashes with <termios.h>.
 * After setting, the speed is read back: a serial driver that cannot make
 * the rate stores the one it made, and a rate off by more than 2% would
 * garble every byte, so that is refused rather than used.
 */
#include "transport_internal.h"

#include <errno.h>
#include <string.h>

#if defined(__linux__)
#include <asm/termbits.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The fixed constant for a standard rate (so plain termios readers, stty
 * and cfgetospeed see it as before), else BOTHER with the integer rate. */
static tcflag_t std_code(unsigned long b)
{
	/* Two narrow arrays rather than pairs of longs: a third of the size. */
	static const uint32_t rate[] = { 9600,   19200,   38400,   57600,   115200,
					 230400, 460800,  500000,  921600,  1000000,
					 1500000, 2000000, 3000000, 4000000 };
	static const uint16_t code[] = { B9600,   B19200,   B38400,   B57600,   B115200,
					 B230400, B460800,  B500000,  B921600,  B1000000,
					 B1500000, B2000000, B3000000, B4000000 };
	_Static_assert(sizeof(rate) / sizeof(rate[0]) == sizeof(code) / sizeof(code[0]) &&
			       B4000000 <= UINT16_MAX,
		       "one 16-bit code per rate");
	for (size_t i = 0; i < sizeof(rate) / sizeof(rate[0]); i++)
		if (rate[i] == b)
			return code[i];
	return BOTHER;
}

int bh_uart_apply(int fd, unsigned long baud, bool flow, char *err, size_t errlen)
{
	if (baud == 0 || baud > BH_UART_MAX_BAUD)
		return bh_transport_errf(BH_EINVAL, err, errlen,
					 "%lu baud is outside 1..%lu", baud,
					 (unsigned long)BH_UART_MAX_BAUD);
	struct termios2 tio;
	if (ioctl(fd, TCGETS2, &tio) < 0)
		return bh_transport_errf(BH_EIO, err, errlen, "cannot read the tty settings: %s",
					 strerror(errno));
	tio.c_cflag &= ~(tcflag_t)(CBAUD | (CBAUD << IBSHIFT));
	tio.c_cflag |= std_code(baud);
	tio.c_ispeed = (speed_t)baud;
	tio.c_ospeed = (speed_t)baud;
	if (flow)
		tio.c_cflag |= CRTSCTS;
	else
		tio.c_cflag &= ~(tcflag_t)CRTSCTS;
	/* Bytes already queued (the vendor command) must go out at the old
	 * speed first. Not TCSETSW: with RTS/CTS on and CTS held by a stuck
	 * controller it waits forever; instead wait for the queue a bounded
	 * 200 ms, then 2 ms for the last bytes in the UART's FIFO. */
	for (int i = 0; i < 200; i++) {
		int q = 0;
		if (ioctl(fd, TIOCOUTQ, &q) < 0 || q <= 0)
			break;
		usleep(1000);
	}
	usleep(2000);
	if (ioctl(fd, TCSETS2, &tio) < 0)
		return bh_transport_errf(errno == EINVAL ? BH_ENOTSUP : BH_EIO, err, errlen,
					 "the tty refused %lu baud: %s", baud, strerror(errno));
	struct termios2 back;
	if (ioctl(fd, TCGETS2, &back) < 0)
		return bh_transport_errf(BH_EIO, err, errlen, "cannot read the tty settings: %s",
					 strerror(errno));
	unsigned long got = back.c_ospeed;
	unsigned long diff = got > baud ? got - baud : baud - got;
	if (diff * 50 > baud)
		return bh_transport_errf(BH_ENOTSUP, err, errlen,
					 "the tty cannot run at %lu baud (its driver made %lu)", baud,
					 got);
	if (flow != !!(back.c_cflag & CRTSCTS))
		return bh_transport_errf(BH_ENOTSUP, err, errlen,
					 "the tty cannot turn RTS/CTS flow control %s",
					 flow ? "on" : "off");
	return BH_OK;
}

int bh_uart_read(int fd, unsigned long *baud, bool *flow)
{
	struct termios2 tio;
	if (ioctl(fd, TCGETS2, &tio) < 0)
		return BH_EIO;
	*baud = tio.c_ospeed;
	*flow = !!(tio.c_cflag & CRTSCTS);
	return BH_OK;
}
#else
#include <termios.h>

static speed_t std_speed(unsigned long b)
{
	switch (b) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	case 230400: return B230400;
	default: return 0;
	}
}

int bh_uart_apply(int fd, unsigned long baud, bool flow, char *err, size_t errlen)
{
	struct termios tio;
	speed_t s = std_speed(baud);
	if (!s)
		return bh_transport_errf(BH_ENOTSUP, err, errlen,
					 "%lu baud is not supported on this system", baud);
	if (tcgetattr(fd, &tio) < 0)
		return bh_transport_errf(BH_EIO, err, errlen, "cannot read the tty settings: %s",
					 strerror(errno));
	cfsetispeed(&tio, s);
	cfsetospeed(&tio, s);
	if (flow)
		tio.c_cflag |= CRTSCTS;
	else
		tio.c_cflag &= ~(tcflag_t)CRTSCTS;
	if (tcsetattr(fd, TCSADRAIN, &tio) < 0)
		return bh_transport_errf(BH_EIO, err, errlen, "the tty refused %lu baud: %s", baud,
					 strerror(errno));
	return BH_OK;
}

int bh_uart_read(int fd, unsigned long *baud, bool *flow)
{
	(void)fd;
	(void)baud;
	(void)flow;
	return BH_ENOTSUP;
}
#endif
