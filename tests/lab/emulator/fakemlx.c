/*
 * fakemlx - LD_PRELOAD card emulator for the homelab.connectx lab.
 *
 * Copyright (c) 2026, homelab.connectx contributors
 * GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Makes the real, unmodified mstflint/mstconfig/mstvpd/lspci/lsmod/ethtool see emulated
 * ConnectX-3 cards (design: docs/lab/emulator.md):
 *   - path redirect: /sys/bus/pci, /proc/modules and the prefixes listed in $FAKEMLX_ROOT/redirects
 *     are served from $FAKEMLX_ROOT (a fake sysfs tree that cardctl.py writes; /run/lock too when the
 *     root has a run/lock directory, so that each root is a machine of its own for lock files);
 *   - the PCI config file of a card is a live device: the old 0x58/0x5c CR-space gateway with
 *     the flash gateway (SPI NOR in cards/<bdf>/flash.bin, mmapped), HW semaphores, the running
 *     FW version and the tools HCR (QUERY_DEV_CAP, QUERY_DEF_PARAMS, MNVA/MNVI/MNVIA NV store);
 *   - SIOCETHTOOL/ETHTOOL_GDRVINFO for netdevs that belong to a card (driver mlx4_en);
 *   - cable modules for ethtool -m: SIOCETHTOOL GMODULEINFO/GMODULEEEPROM and the genetlink request
 *     ETHTOOL_MSG_MODULE_EEPROM_GET (sendto/recvmsg), answered like kernel 6.1 mlx4_en from
 *     cards/<bdf>/module/port<N>.eeprom.
 * Shared, persistent card state (running FW, semaphores, counters) is cards/<bdf>/hw.bin.
 * Faults are read from cards/<bdf>/faults when a process first touches the card.
 *
 * It must stay silent and harmless in every process when preloaded through /etc/ld.so.preload:
 * with no root directory it only forwards calls.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* ------------------------------------------------------------------ real functions */

#define REAL(name) real_##name
#define DEF_REAL(ret, name, ...)                      \
    static ret (*real_##name)(__VA_ARGS__);           \
    static void load_##name(void)                     \
    {                                                 \
        if (!real_##name)                             \
            *(void **)(&real_##name) = dlsym(RTLD_NEXT, #name); \
    }

DEF_REAL(int, open, const char *, int, ...)
DEF_REAL(int, open64, const char *, int, ...)
DEF_REAL(int, openat, int, const char *, int, ...)
DEF_REAL(int, openat64, int, const char *, int, ...)
DEF_REAL(FILE *, fopen, const char *, const char *)
DEF_REAL(FILE *, fopen64, const char *, const char *)
DEF_REAL(DIR *, opendir, const char *)
DEF_REAL(int, access, const char *, int)
DEF_REAL(int, faccessat, int, const char *, int, int)
DEF_REAL(int, stat, const char *, struct stat *)
DEF_REAL(int, stat64, const char *, struct stat64 *)
DEF_REAL(int, lstat, const char *, struct stat *)
DEF_REAL(int, lstat64, const char *, struct stat64 *)
DEF_REAL(int, fstatat, int, const char *, struct stat *, int)
DEF_REAL(int, fstatat64, int, const char *, struct stat64 *, int)
DEF_REAL(int, statx, int, const char *, int, unsigned int, struct statx *)
DEF_REAL(ssize_t, readlink, const char *, char *, size_t)
DEF_REAL(ssize_t, readlinkat, int, const char *, char *, size_t)
DEF_REAL(char *, realpath, const char *, char *)
DEF_REAL(int, scandir, const char *, struct dirent ***, int (*)(const struct dirent *),
         int (*)(const struct dirent **, const struct dirent **))
DEF_REAL(ssize_t, pread, int, void *, size_t, off_t)
DEF_REAL(ssize_t, pread64, int, void *, size_t, off64_t)
DEF_REAL(ssize_t, pwrite, int, const void *, size_t, off_t)
DEF_REAL(ssize_t, pwrite64, int, const void *, size_t, off64_t)
DEF_REAL(int, close, int)
DEF_REAL(int, ioctl, int, unsigned long, ...)

/* ------------------------------------------------------------------ configuration */

#define MAX_PREFIXES 64
#define MAX_CARDS 8
#define MAX_FDS 64

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_state; /* 0 = not initialised, 1 = active, -1 = inactive */
static char g_root[PATH_MAX / 4];
static char g_prefix[MAX_PREFIXES][256];
static size_t g_prefix_len[MAX_PREFIXES];
static int g_nprefix;
static int g_debug;
/* Flash timing (the lab's CXLAB_TIMING=realistic writes $FAKEMLX_ROOT/timing): microseconds per
 * 256-byte page program and per sector erase (64 KiB; smaller erases take subsector_us). 0 = instant. */
static unsigned long g_prog_us, g_sector_us, g_subsector_us;

#define DBG(...)                              \
    do                                        \
    {                                         \
        if (g_debug)                          \
            fprintf(stderr, "fakemlx: " __VA_ARGS__); \
    } while (0)

/* Raw syscalls for our own files, so they never recurse into the wrappers. */
static int raw_open(const char *path, int flags, mode_t mode)
{
    return (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, mode);
}

static void raw_close(int fd)
{
    syscall(SYS_close, fd);
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
    int fd = raw_open(path, O_RDONLY, 0);
    ssize_t n;
    if (fd < 0)
        return -1;
    n = read(fd, buf, size - 1);
    raw_close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

static void add_prefix(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    if (g_nprefix >= MAX_PREFIXES || n == 0 || n >= sizeof(g_prefix[0]) || p[0] != '/')
        return;
    memcpy(g_prefix[g_nprefix], p, n);
    g_prefix[g_nprefix][n] = '\0';
    g_prefix_len[g_nprefix++] = n;
}

static void init_once(void)
{
    const char *root;
    char buf[8192];
    struct stat st;
    if (g_state)
        return;
    pthread_mutex_lock(&g_lock);
    if (g_state)
    {
        pthread_mutex_unlock(&g_lock);
        return;
    }
    g_debug = getenv("FAKEMLX_DEBUG") != NULL;
    root = getenv("FAKEMLX_ROOT");
    if (!root || !*root)
        root = "/var/lib/fakemlx";
    snprintf(g_root, sizeof(g_root), "%s", root);
    if (syscall(SYS_newfstatat, AT_FDCWD, g_root, &st, 0) != 0 || !S_ISDIR(st.st_mode))
    {
        g_state = -1;
        pthread_mutex_unlock(&g_lock);
        return;
    }
    add_prefix("/sys/bus/pci");
    {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/redirects", g_root);
        if (read_file(path, buf, sizeof(buf)) > 0)
        {
            char *save = NULL;
            for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (line[0] == '/' && strcmp(line, "/sys/bus/pci") != 0)
                    add_prefix(line);
        }
    }
    {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/timing", g_root);
        if (read_file(path, buf, sizeof(buf)) > 0)
        {
            char *save = NULL;
            for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            {
                sscanf(line, "page_program_us=%lu", &g_prog_us);
                sscanf(line, "sector_erase_us=%lu", &g_sector_us);
                sscanf(line, "subsector_erase_us=%lu", &g_subsector_us);
            }
        }
    }
    g_state = 1;
    pthread_mutex_unlock(&g_lock);
}

/* Map a virtual path to the file that serves it; returns p itself when nothing is redirected. */
static const char *map_path(const char *p, char *buf, size_t size)
{
    if (!p || p[0] != '/')
        return p;
    /* Only /sys, /proc/modules and /run/lock can be served from the root (a cheap test first: this runs for
     * every open of every process when the library is in /etc/ld.so.preload). */
    if (strncmp(p, "/sys/", 5) != 0 && strcmp(p, "/proc/modules") != 0 && strncmp(p, "/run/lock/", 10) != 0)
        return p;
    init_once();
    if (g_state <= 0)
        return p;
    if (strcmp(p, "/proc/modules") == 0)
    {
        snprintf(buf, size, "%s/proc_modules", g_root);
        return buf;
    }
    for (int i = 0; i < g_nprefix; i++)
    {
        size_t n = g_prefix_len[i];
        if (strncmp(p, g_prefix[i], n) == 0 && (p[n] == '\0' || p[n] == '/'))
        {
            if ((size_t)snprintf(buf, size, "%s%s", g_root, p) >= size)
                return p;
            DBG("map %s -> %s\n", p, buf);
            return buf;
        }
    }
    return p;
}

#define MAPPED(p) map_path((p), mapbuf, sizeof(mapbuf))

/* ------------------------------------------------------------------ card model */

struct hw /* cards/<bdf>/hw.bin, shared by all processes; cardctl.py reads/writes it too */
{
    uint32_t magic;       /* 'FMLX' */
    uint32_t version;
    uint32_t running[4];  /* CR 0x1f064..0x1f070: major<<16, minor<<16|sub, time, date */
    uint32_t sem[4];      /* 0xf03fc flash GW, 0xf03a0 flash programming, 0xf03bc tools HCR */
    uint32_t boot_addr;   /* CR 0xf0000, written at the end of a burn */
    uint32_t pad[5];
    uint64_t counters[16];
};

enum
{
    CNT_OPENS, CNT_OPEN_MSTFLINT, CNT_OPEN_MSTCONFIG, CNT_OPEN_MSTVPD, CNT_OPEN_LSPCI, CNT_OPEN_OTHER,
    CNT_PROG_BYTES, CNT_PROG_OPS, CNT_ERASE_OPS, CNT_READ_BYTES, CNT_HCR_CMDS, CNT_NV_WRITES, CNT_CR_ACCESS
};

#define HW_MAGIC 0x584c4d46u
#define FLASH_SIZE 0x200000u
#define MBOX_SIZE 0x200
#define GW_CMD 0xf0400
#define GW_ADDR 0xf0404
#define GW_DATA 0xf0410
#define HCR_BASE 0x80780
#define FW_VER_CR 0x1f064

struct card
{
    char bdf[16];
    char dir[PATH_MAX / 2];
    uint8_t *flash;
    struct hw *hw;
    uint32_t hw_id;
    int ports;
    uint32_t gw_addr;                 /* config offset 0x58 */
    uint32_t fcmd, faddr, fdata[4];   /* flash gateway registers */
    uint8_t spi_op;
    uint32_t spi_addr;
    uint32_t hcr[7];
    uint8_t mbox[MBOX_SIZE];
    /* faults */
    long write_err_at;                /* page that will not program, -1 = none */
    long long kill_after_bytes;       /* SIGKILL after this process programmed that much, -1 = never */
    long kill_at_offset;              /* SIGKILL when programming reaches this flash offset */
    int gw_timeout;                   /* BUSY never clears */
    long decay_at;                    /* byte that loses its charge when the programming process ends, -1 = none */
    long read_flip_at;                /* byte whose reads come back with bit 0 inverted, -1 = none */
    int nv_write_lost;                /* NV writes are acknowledged and dropped */
    int decay_armed;                  /* this process programmed the byte at decay_at */
    long long prog_bytes;             /* bytes programmed by this process */
    int counted;
};

static struct card g_cards[MAX_CARDS];
static int g_ncards;
static struct
{
    int fd;
    struct card *card;
} g_fds[MAX_FDS];

static void count(struct card *c, int idx, uint64_t n)
{
    if (c->hw)
        __atomic_fetch_add(&c->hw->counters[idx], n, __ATOMIC_RELAXED);
}

static long parse_num(const char *s)
{
    return strtol(s, NULL, 0);
}

static void load_kv(struct card *c, const char *name)
{
    char path[PATH_MAX], buf[4096], *save = NULL;
    snprintf(path, sizeof(path), "%s/%s", c->dir, name);
    if (read_file(path, buf, sizeof(buf)) < 0)
        return;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (!strcmp(k, "hw_id"))
            c->hw_id = (uint32_t)parse_num(v);
        else if (!strcmp(k, "ports"))
            c->ports = (int)parse_num(v);
        else if (!strcmp(k, "flash_write_error_at"))
            c->write_err_at = parse_num(v);
        else if (!strcmp(k, "kill_after_bytes"))
            c->kill_after_bytes = strtoll(v, NULL, 0);
        else if (!strcmp(k, "kill_at_offset"))
            c->kill_at_offset = parse_num(v);
        else if (!strcmp(k, "gw_timeout"))
            c->gw_timeout = (int)parse_num(v);
        else if (!strcmp(k, "flash_decay_at"))
            c->decay_at = parse_num(v);
        else if (!strcmp(k, "flash_read_flip_at"))
            c->read_flip_at = parse_num(v);
        else if (!strcmp(k, "nv_write_lost"))
            c->nv_write_lost = (int)parse_num(v);
    }
}

static void *map_file(const char *path, size_t size)
{
    int fd = raw_open(path, O_RDWR, 0);
    void *p;
    struct stat st;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < size)
    {
        raw_close(fd);
        return NULL;
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    raw_close(fd);
    return p == MAP_FAILED ? NULL : p;
}

/* Find or set up the card whose sysfs directory holds `phys` (a config or vpd file). */
static struct card *card_for_file(const char *phys)
{
    char real[PATH_MAX], path[PATH_MAX];
    const char *base, *slash;
    char bdf[16];
    unsigned d, b, s, f;
    if (!REAL(realpath) || !REAL(realpath)(phys, real))
        return NULL;
    slash = strrchr(real, '/');
    if (!slash || slash == real)
        return NULL;
    base = slash;
    do
        base--;
    while (base > real && *base != '/');
    if ((size_t)(slash - base - 1) >= sizeof(bdf))
        return NULL;
    memcpy(bdf, base + 1, slash - base - 1);
    bdf[slash - base - 1] = '\0';
    if (sscanf(bdf, "%4x:%2x:%2x.%1x", &d, &b, &s, &f) != 4)
        return NULL;
    for (int i = 0; i < g_ncards; i++)
        if (!strcmp(g_cards[i].bdf, bdf))
            return &g_cards[i];
    if (g_ncards >= MAX_CARDS)
        return NULL;
    struct card *c = &g_cards[g_ncards];
    memset(c, 0, sizeof(*c));
    snprintf(c->bdf, sizeof(c->bdf), "%s", bdf);
    snprintf(c->dir, sizeof(c->dir), "%s/cards/%.15s", g_root, bdf);
    snprintf(path, sizeof(path), "%s/hw.bin", c->dir);
    c->hw = map_file(path, sizeof(struct hw));
    if (!c->hw || c->hw->magic != HW_MAGIC)
        return NULL;
    snprintf(path, sizeof(path), "%s/flash.bin", c->dir);
    c->flash = map_file(path, FLASH_SIZE);
    c->hw_id = 0x1f5;
    c->ports = 2;
    c->write_err_at = -1;
    c->kill_after_bytes = -1;
    c->kill_at_offset = -1;
    c->decay_at = -1;
    c->read_flip_at = -1;
    load_kv(c, "card.conf");
    load_kv(c, "faults");
    g_ncards++;
    DBG("card %s hw_id %#x ports %d flash %p\n", c->bdf, c->hw_id, c->ports, (void *)c->flash);
    return c;
}

static void count_open(struct card *c)
{
    const char *me = program_invocation_short_name;
    if (c->counted)
        return;
    c->counted = 1;
    count(c, CNT_OPENS, 1);
    if (!strcmp(me, "mstflint"))
        count(c, CNT_OPEN_MSTFLINT, 1);
    else if (!strcmp(me, "mstconfig"))
        count(c, CNT_OPEN_MSTCONFIG, 1);
    else if (!strcmp(me, "mstvpd"))
        count(c, CNT_OPEN_MSTVPD, 1);
    else if (!strcmp(me, "lspci"))
        count(c, CNT_OPEN_LSPCI, 1);
    else
        count(c, CNT_OPEN_OTHER, 1);
}

static struct card *fd_card(int fd)
{
    for (int i = 0; i < MAX_FDS; i++)
        if (g_fds[i].card && g_fds[i].fd == fd)
            return g_fds[i].card;
    return NULL;
}

static void fd_forget(int fd)
{
    for (int i = 0; i < MAX_FDS; i++)
        if (g_fds[i].card && g_fds[i].fd == fd)
            g_fds[i].card = NULL;
}

static void fd_track(int fd, const char *phys)
{
    const char *base;
    struct card *c;
    if (fd < 0 || phys == NULL || strncmp(phys, g_root, strlen(g_root)) != 0)
        return;
    base = strrchr(phys, '/');
    if (!base || (strcmp(base, "/config") != 0 && strcmp(base, "/vpd") != 0))
        return;
    pthread_mutex_lock(&g_lock);
    fd_forget(fd);
    c = card_for_file(phys);
    if (c)
    {
        count_open(c);
        if (!strcmp(base, "/config"))
            for (int i = 0; i < MAX_FDS; i++)
                if (!g_fds[i].card)
                {
                    g_fds[i].fd = fd;
                    g_fds[i].card = c;
                    break;
                }
    }
    pthread_mutex_unlock(&g_lock);
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* ---- SPI NOR flash behind the flash gateway (M25PX16, 2 MiB, JEDEC 20 71 15) */

static void die_now(struct card *c, const char *why)
{
    DBG("fault: killing %d (%s)\n", getpid(), why);
    (void)c;
    kill(getpid(), SIGKILL);
}

static void flash_program(struct card *c, uint32_t addr, const uint8_t *data, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
    {
        uint32_t a = (addr + i) % FLASH_SIZE;
        if (c->kill_at_offset >= 0 && (long)a >= c->kill_at_offset)
            die_now(c, "kill_at_offset");
        if (c->kill_after_bytes >= 0 && c->prog_bytes >= c->kill_after_bytes)
            die_now(c, "kill_after_bytes");
        /* A bad page: its cells do not program (they stay as they were). */
        if (c->write_err_at >= 0 && (a & ~0xffu) == ((uint32_t)c->write_err_at & ~0xffu))
            continue;
        c->flash[a] &= data[i]; /* NOR: programming only clears bits */
        c->prog_bytes++;
        if (c->decay_at >= 0 && (long)a == c->decay_at)
            c->decay_armed = 1;
    }
    count(c, CNT_PROG_BYTES, n);
    count(c, CNT_PROG_OPS, 1);
    if (g_prog_us)
        usleep((useconds_t)((unsigned long long)g_prog_us * n / 256));
}

/* A worn cell passes the program-verify while its charge is fresh and loses it afterwards: when the process
 * that programmed the byte at decay_at ends, the byte's lowest programmed (0) bit reads as erased (1) again.
 * The burning tool's own read-back (in the same process) saw the right value. */
static void flash_decay(void)
{
    for (int i = 0; i < g_ncards; i++)
    {
        struct card *c = &g_cards[i];
        if (c->decay_armed && c->flash)
        {
            uint8_t v = c->flash[c->decay_at];
            c->flash[c->decay_at] = (uint8_t)(v | (~v & (v + 1)));
            c->decay_armed = 0;
            DBG("fault: byte %#lx decayed %#x -> %#x\n", c->decay_at, v, c->flash[c->decay_at]);
        }
    }
}

static void flash_erase(struct card *c, uint32_t addr, uint32_t size)
{
    addr &= ~(size - 1);
    if (addr + size > FLASH_SIZE)
        return;
    memset(c->flash + addr, 0xff, size);
    count(c, CNT_ERASE_OPS, 1);
    if (size >= 0x10000 ? g_sector_us : g_subsector_us)
        usleep((useconds_t)(size >= 0x10000 ? g_sector_us : g_subsector_us));
}

static void flash_exec(struct card *c, uint32_t cmd)
{
    unsigned nbytes = (cmd & (1u << 4)) ? 1u << ((cmd >> 8) & 7) : 0;
    uint8_t buf[16] = {0};
    if (nbytes > 16)
        nbytes = 16;
    if (cmd & (1u << 2))
        c->spi_op = (cmd >> 16) & 0xff;
    if (cmd & (1u << 3))
        c->spi_addr = c->faddr & 0xffffff;
    if (!c->flash)
        return;
    switch (c->spi_op)
    {
        case 0x9f: /* JEDEC id */
            c->fdata[0] = 0x20711500;
            break;
        case 0x05: /* status: never busy */
        case 0x35:
        case 0x15:
        case 0x85:
        case 0xb5:
            c->fdata[0] = 0;
            break;
        case 0x03: /* read */
        case 0x0b:
            for (unsigned i = 0; i < nbytes; i++)
            {
                uint32_t a = (c->spi_addr + i) % FLASH_SIZE;
                buf[i] = c->flash[a];
                /* A bad read path: this byte arrives with a bit flipped, the cells hold the right value. */
                if (c->read_flip_at >= 0 && (long)a == c->read_flip_at)
                    buf[i] ^= 0x01;
            }
            for (unsigned i = 0; i < 4; i++)
                c->fdata[i] = get_be32(buf + 4 * i);
            c->spi_addr += nbytes;
            count(c, CNT_READ_BYTES, nbytes);
            break;
        case 0x02: /* page program, continued by CS_HOLD transactions without a CMD phase */
            for (unsigned i = 0; i < 4; i++)
                put_be32(buf + 4 * i, c->fdata[i]);
            flash_program(c, c->spi_addr, buf, nbytes);
            c->spi_addr += nbytes;
            break;
        case 0xd8:
            flash_erase(c, c->spi_addr, 0x10000);
            break;
        case 0x52:
            flash_erase(c, c->spi_addr, 0x8000);
            break;
        case 0x20:
            flash_erase(c, c->spi_addr, 0x1000);
            break;
        case 0xc7:
        case 0x60:
            flash_erase(c, 0, FLASH_SIZE);
            break;
        default: /* WREN, WRDI, WRSR, 0xAB...: nothing to model */
            break;
    }
}

/* ---- tools HCR (mtcr_tools_cif.c) */

static int nv_path(struct card *c, char *out, size_t size, unsigned type, unsigned mod)
{
    return snprintf(out, size, "%s/nv/%04x.%u", c->dir, type, mod) < (int)size;
}

static void nv_clear_all(struct card *c)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/nv", c->dir);
    DIR *d = REAL(opendir) ? REAL(opendir)(path) : NULL;
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL)
    {
        char f[PATH_MAX + 300];
        if (e->d_name[0] == '.')
            continue;
        snprintf(f, sizeof(f), "%s/%s", path, e->d_name);
        unlink(f);
    }
    closedir(d);
}

/* REG_ACCESS: operation TLV (16 bytes), reg TLV header (4 bytes), register. Returns reg status. */
static unsigned reg_access(struct card *c)
{
    uint8_t *op = c->mbox, *reg = c->mbox + 20;
    unsigned reg_id = (unsigned)op[4] << 8 | op[5];
    unsigned method = op[6] & 0x7f;
    unsigned type = (unsigned)reg[2] << 8 | reg[3];
    unsigned len = ((get_be32(reg) >> 18) & 0xfff) * 4;
    unsigned mod = reg[5];
    char path[PATH_MAX];
    int fd;
    if (len > MBOX_SIZE - 28)
        len = MBOX_SIZE - 28;
    if (!nv_path(c, path, sizeof(path), type, mod))
        return 7;
    DBG("reg_access id %#x method %u type %#x mod %u len %u\n", reg_id, method, type, mod, len);
    switch (reg_id)
    {
        case 0x9024: /* MNVA */
            if (method == 1)
            {
                fd = raw_open(path, O_RDONLY, 0);
                if (fd < 0)
                    return 8; /* never written: the tool shows the default */
                memset(reg + 8, 0, len);
                if (read(fd, reg + 8, len) < 0)
                    len = 0;
                raw_close(fd);
                return 0;
            }
            if (method == 2 && c->nv_write_lost)
            {
                count(c, CNT_NV_WRITES, 1);
                return 0; /* acknowledged, never stored */
            }
            if (method == 2)
            {
                char dir[PATH_MAX];
                snprintf(dir, sizeof(dir), "%s/nv", c->dir);
                mkdir(dir, 0755);
                fd = raw_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (fd < 0 || write(fd, reg + 8, len) != (ssize_t)len)
                {
                    if (fd >= 0)
                        raw_close(fd);
                    return 0x70;
                }
                raw_close(fd);
                count(c, CNT_NV_WRITES, 1);
                return 0;
            }
            return 6;
        case 0x9025: /* MNVI: invalidate one TLV */
            if (!c->nv_write_lost)
                unlink(path);
            count(c, CNT_NV_WRITES, 1);
            return 0;
        case 0x9029: /* MNVIA: invalidate all */
            if (!c->nv_write_lost)
                nv_clear_all(c);
            count(c, CNT_NV_WRITES, 1);
            return 0;
        default:
            return 4;
    }
}

static unsigned hcr_exec(struct card *c)
{
    unsigned opcode = c->hcr[6] & 0xfff, opmod = (c->hcr[6] >> 12) & 0xf;
    uint32_t off = c->hcr[2] * 4;
    uint8_t *m = c->mbox;
    count(c, CNT_HCR_CMDS, 1);
    switch (opcode)
    {
        case 0x70: /* mailbox write, 8 bytes at dword offset in_mod */
            if (off + 8 > MBOX_SIZE)
                return 4;
            put_be32(m + off, c->hcr[1]);
            put_be32(m + off + 4, c->hcr[0]);
            return 0;
        case 0x71: /* mailbox read */
            if (off + 8 > MBOX_SIZE)
                return 4;
            c->hcr[4] = get_be32(m + off);
            c->hcr[3] = get_be32(m + off + 4);
            return 0;
        case 0x03: /* QUERY_DEV_CAP (mlxcfg_param_lib.cpp masks and addresses) */
            memset(m, 0, 0x100);
            put_be32(m + 0x38, 0x7f);                       /* max_func_idx -> up to 126 VFs */
            put_be32(m + 0x48, 2u << 16);                   /* default log UAR BAR size 3 */
            put_be32(m + 0xc0, c->ports > 1 ? 0x39 : 0x29); /* SRIOV, VPI P1 (P2), BAR size */
            put_be32(m + 0xc8, 7u << 3);                    /* max log BAR size 7 */
            return 0;
        case 0x73: /* QUERY_DEF_PARAMS: factory defaults (tools_open_query_def_params_*) */
            memset(m, 0, 0x40);
            if (opmod == 0)
            {
                put_be32(m + 0, 1u << 17);                           /* CQ timestamp configurable */
                put_be32(m + 4, 8 | 3u << 8 | 7u << 12 | 1u << 21 | 1u << 29); /* VFs, BAR, IP ver, CQ ts */
                return 0;
            }
            if ((int)opmod > c->ports)
                return 3;
            put_be32(m + 0, 1u << 18);                                         /* VPI link type */
            put_be32(m + 4, 1 | 1u << 16 | 3u << 25 | 1u << 29);             /* vlan 1, PXE, VPI, ROM on */
            put_be32(m + 8, 1u << 28 | 1u << 31);                              /* IB boot + boot params */
            return 0;
        case 0x3b:
        {
            unsigned st = reg_access(c);
            c->mbox[2] = (c->mbox[2] & 0x80) | (st & 0x7f);
            return 0;
        }
        default:
            DBG("hcr: unknown opcode %#x\n", opcode);
            return 2;
    }
}

/* ---- CR space */

static uint32_t *sem_slot(struct card *c, uint32_t addr)
{
    switch (addr)
    {
        case 0xf03fc:
            return &c->hw->sem[0];
        case 0xf03a0:
            return &c->hw->sem[1];
        case 0xf03bc:
            return &c->hw->sem[2];
        default:
            return NULL;
    }
}

static uint32_t cr_read(struct card *c, uint32_t addr)
{
    uint32_t *sem = sem_slot(c, addr);
    count(c, CNT_CR_ACCESS, 1);
    if (sem) /* reading takes the semaphore; the old value says whether it was free */
        return __atomic_exchange_n(sem, 1, __ATOMIC_SEQ_CST);
    if (addr == 0xf0014)
        return 1u << 16 | c->hw_id;
    if (addr == GW_CMD)
        return c->fcmd;
    if (addr == GW_ADDR)
        return c->faddr;
    if (addr >= GW_DATA && addr < GW_DATA + 16)
        return c->fdata[(addr - GW_DATA) / 4];
    if (addr >= FW_VER_CR && addr < FW_VER_CR + 16)
        return c->hw->running[(addr - FW_VER_CR) / 4];
    if (addr == 0xf0000)
        return c->hw->boot_addr;
    if (addr >= HCR_BASE && addr < HCR_BASE + 28)
        return c->hcr[(addr - HCR_BASE) / 4];
    return 0; /* livefish check 0x41270, CR mailbox probe 0xe0000 (unsupported), ... */
}

static void cr_write(struct card *c, uint32_t addr, uint32_t val)
{
    uint32_t *sem = sem_slot(c, addr);
    count(c, CNT_CR_ACCESS, 1);
    if (sem)
    {
        if (val == 0)
            __atomic_store_n(sem, 0, __ATOMIC_SEQ_CST);
        return;
    }
    if (addr == GW_CMD)
    {
        c->fcmd = val;
        if (val & (1u << 30))
        {
            flash_exec(c, val);
            if (!c->gw_timeout)
                c->fcmd &= ~(1u << 30);
        }
    }
    else if (addr == GW_ADDR)
        c->faddr = val;
    else if (addr >= GW_DATA && addr < GW_DATA + 16)
        c->fdata[(addr - GW_DATA) / 4] = val;
    else if (addr == 0xf0000)
        c->hw->boot_addr = val;
    else if (addr >= HCR_BASE && addr < HCR_BASE + 28)
    {
        unsigned i = (addr - HCR_BASE) / 4;
        c->hcr[i] = val;
        if (i == 6 && (val & (1u << 23)))
        {
            unsigned st = hcr_exec(c);
            c->hcr[6] = (c->hcr[6] & ~(0xffu << 24) & ~(1u << 23)) | st << 24;
        }
    }
}

/* pread/pwrite on a card's config file: 0x58 = CR address, 0x5c = CR data (little endian). */
static ssize_t cfg_pread(struct card *c, int fd, void *buf, size_t n, off_t off)
{
    if (n == 4 && (off == 0x58 || off == 0x5c))
    {
        uint32_t v;
        pthread_mutex_lock(&g_lock);
        v = off == 0x58 ? c->gw_addr : cr_read(c, c->gw_addr);
        pthread_mutex_unlock(&g_lock);
        memcpy(buf, &v, 4);
        return 4;
    }
    return REAL(pread64)(fd, buf, n, off);
}

static ssize_t cfg_pwrite(struct card *c, int fd, const void *buf, size_t n, off_t off)
{
    if (n == 4 && (off == 0x58 || off == 0x5c))
    {
        uint32_t v;
        memcpy(&v, buf, 4);
        pthread_mutex_lock(&g_lock);
        if (off == 0x58)
            c->gw_addr = v;
        else
            cr_write(c, c->gw_addr, v);
        pthread_mutex_unlock(&g_lock);
        return 4;
    }
    (void)fd;
    return (ssize_t)n; /* other config writes are accepted and dropped */
}

/* ------------------------------------------------------------------ wrappers */

#define GET_MODE(flags, mode)                                  \
    do                                                         \
    {                                                          \
        if ((flags) & (O_CREAT | O_TMPFILE))                   \
        {                                                      \
            va_list ap;                                        \
            va_start(ap, flags);                               \
            mode = va_arg(ap, mode_t);                         \
            va_end(ap);                                        \
        }                                                      \
    } while (0)

static int do_open(const char *path, int flags, mode_t mode, int (*fn)(const char *, int, ...))
{
    char mapbuf[PATH_MAX];
    const char *p = MAPPED(path);
    int fd = fn(p, flags, mode);
    if (p != path)
        fd_track(fd, p);
    return fd;
}

EXPORT int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    GET_MODE(flags, mode);
    load_open();
    return do_open(path, flags, mode, REAL(open));
}

EXPORT int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    GET_MODE(flags, mode);
    load_open64();
    return do_open(path, flags, mode, REAL(open64));
}

EXPORT int __open_2(const char *path, int flags)
{
    load_open();
    return do_open(path, flags, 0, REAL(open));
}

EXPORT int __open64_2(const char *path, int flags)
{
    load_open64();
    return do_open(path, flags, 0, REAL(open64));
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode, int (*fn)(int, const char *, int, ...))
{
    char mapbuf[PATH_MAX];
    const char *p = MAPPED(path);
    int fd = fn(dirfd, p, flags, mode);
    if (p != path)
        fd_track(fd, p);
    return fd;
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    GET_MODE(flags, mode);
    load_openat();
    return do_openat(dirfd, path, flags, mode, REAL(openat));
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    GET_MODE(flags, mode);
    load_openat64();
    return do_openat(dirfd, path, flags, mode, REAL(openat64));
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
    load_openat();
    return do_openat(dirfd, path, flags, 0, REAL(openat));
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
    load_openat64();
    return do_openat(dirfd, path, flags, 0, REAL(openat64));
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
    char mapbuf[PATH_MAX];
    load_fopen();
    const char *p = MAPPED(path);
    FILE *f = REAL(fopen)(p, mode);
    if (f && p != path)
        fd_track(fileno(f), p);
    return f;
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
    char mapbuf[PATH_MAX];
    load_fopen64();
    const char *p = MAPPED(path);
    FILE *f = REAL(fopen64)(p, mode);
    if (f && p != path)
        fd_track(fileno(f), p);
    return f;
}

EXPORT DIR *opendir(const char *path)
{
    char mapbuf[PATH_MAX];
    load_opendir();
    return REAL(opendir)(MAPPED(path));
}

EXPORT int scandir(const char *path, struct dirent ***list, int (*sel)(const struct dirent *),
                   int (*cmp)(const struct dirent **, const struct dirent **))
{
    char mapbuf[PATH_MAX];
    load_scandir();
    return REAL(scandir)(MAPPED(path), list, sel, cmp);
}

EXPORT int access(const char *path, int mode)
{
    char mapbuf[PATH_MAX];
    load_access();
    return REAL(access)(MAPPED(path), mode);
}

EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
    char mapbuf[PATH_MAX];
    load_faccessat();
    return REAL(faccessat)(dirfd, MAPPED(path), mode, flags);
}

EXPORT int stat(const char *path, struct stat *st)
{
    char mapbuf[PATH_MAX];
    load_stat();
    return REAL(stat)(MAPPED(path), st);
}

EXPORT int stat64(const char *path, struct stat64 *st)
{
    char mapbuf[PATH_MAX];
    load_stat64();
    return REAL(stat64)(MAPPED(path), st);
}

EXPORT int lstat(const char *path, struct stat *st)
{
    char mapbuf[PATH_MAX];
    load_lstat();
    return REAL(lstat)(MAPPED(path), st);
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
    char mapbuf[PATH_MAX];
    load_lstat64();
    return REAL(lstat64)(MAPPED(path), st);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    char mapbuf[PATH_MAX];
    load_fstatat();
    return REAL(fstatat)(dirfd, MAPPED(path), st, flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
    char mapbuf[PATH_MAX];
    load_fstatat64();
    return REAL(fstatat64)(dirfd, MAPPED(path), st, flags);
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *st)
{
    char mapbuf[PATH_MAX];
    load_statx();
    return REAL(statx)(dirfd, MAPPED(path), flags, mask, st);
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t size)
{
    char mapbuf[PATH_MAX];
    load_readlink();
    return REAL(readlink)(MAPPED(path), buf, size);
}

EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
    char mapbuf[PATH_MAX];
    load_readlinkat();
    return REAL(readlinkat)(dirfd, MAPPED(path), buf, size);
}

/* realpath of a redirected path: resolve the real file, then give back the virtual name. */
EXPORT char *realpath(const char *path, char *resolved)
{
    char mapbuf[PATH_MAX];
    const char *p;
    char *r;
    load_realpath();
    p = MAPPED(path);
    r = REAL(realpath)(p, resolved);
    if (r && p != path)
    {
        size_t n = strlen(g_root);
        if (strncmp(r, g_root, n) == 0 && r[n] == '/')
            memmove(r, r + n, strlen(r + n) + 1);
    }
    return r;
}

EXPORT char *canonicalize_file_name(const char *path)
{
    return realpath(path, NULL);
}

EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    struct card *c;
    load_pread();
    load_pread64();
    if (g_ncards && (c = fd_card(fd)) != NULL)
        return cfg_pread(c, fd, buf, n, off);
    return REAL(pread)(fd, buf, n, off);
}

EXPORT ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
    struct card *c;
    load_pread64();
    if (g_ncards && (c = fd_card(fd)) != NULL)
        return cfg_pread(c, fd, buf, n, off);
    return REAL(pread64)(fd, buf, n, off);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    struct card *c;
    load_pwrite();
    if (g_ncards && (c = fd_card(fd)) != NULL)
        return cfg_pwrite(c, fd, buf, n, off);
    return REAL(pwrite)(fd, buf, n, off);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    struct card *c;
    load_pwrite64();
    if (g_ncards && (c = fd_card(fd)) != NULL)
        return cfg_pwrite(c, fd, buf, n, off);
    return REAL(pwrite64)(fd, buf, n, off);
}

static void nlq_forget(int fd);

EXPORT int close(int fd)
{
    load_close();
    if (g_ncards)
    {
        pthread_mutex_lock(&g_lock);
        fd_forget(fd);
        pthread_mutex_unlock(&g_lock);
    }
    nlq_forget(fd);
    return REAL(close)(fd);
}

static int module_loaded(const char *name)
{
    char path[PATH_MAX], buf[8192];
    size_t n = strlen(name);
    snprintf(path, sizeof(path), "%s/proc_modules", g_root);
    if (read_file(path, buf, sizeof(buf)) < 0)
        return 0;
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, n) == 0 && line[n] == ' ')
            return 1;
    return 0;
}

/* The card behind a netdev, as mlx4_en would own it: the netdev exists (in this netns), mlx4_en is
 * "loaded" and the fake tree's /sys/class/net/<if>/device points to a card with a valid hw.bin.
 * Fills bdf and hw; returns 0, or -1 when the real driver of the interface (the lab's TAP) answers. */
static int netdev_card(const char *ifname, char *bdf, size_t bdf_size, struct hw *hw)
{
    char link[PATH_MAX], target[PATH_MAX], path[PATH_MAX];
    const char *base;
    ssize_t n;
    int fd;
    init_once();
    if (g_state <= 0 || !ifname || !*ifname || strchr(ifname, '/') || strlen(ifname) >= IFNAMSIZ)
        return -1;
    if (if_nametoindex(ifname) == 0 || !module_loaded("mlx4_en"))
        return -1;
    snprintf(link, sizeof(link), "%s/sys/class/net/%s/device", g_root, ifname);
    n = syscall(SYS_readlinkat, AT_FDCWD, link, target, sizeof(target) - 1);
    if (n <= 0)
        return -1;
    target[n] = '\0';
    base = strrchr(target, '/');
    base = base ? base + 1 : target;
    snprintf(path, sizeof(path), "%s/cards/%.63s/hw.bin", g_root, base);
    fd = raw_open(path, O_RDONLY, 0);
    if (fd < 0)
        return -1;
    n = read(fd, hw, sizeof(*hw));
    raw_close(fd);
    if (n != (ssize_t)sizeof(*hw) || hw->magic != HW_MAGIC)
        return -1;
    snprintf(bdf, bdf_size, "%.63s", base);
    return 0;
}

/* ethtool -i on a netdev that belongs to a card: the mlx4_en driver answers. */
static int fake_drvinfo(const char *ifname, struct ethtool_drvinfo *info)
{
    char bdf[64];
    struct hw hw;
    if (netdev_card(ifname, bdf, sizeof(bdf), &hw) != 0)
        return -1;
    memset((char *)info + sizeof(info->cmd), 0, sizeof(*info) - sizeof(info->cmd));
    snprintf(info->driver, sizeof(info->driver), "mlx4_en");
    snprintf(info->version, sizeof(info->version), "4.0-0");
    snprintf(info->fw_version, sizeof(info->fw_version), "%u.%u.%u", hw.running[0] >> 16,
             hw.running[1] >> 16, hw.running[1] & 0xffff);
    snprintf(info->bus_info, sizeof(info->bus_info), "%.31s", bdf);
    info->n_priv_flags = 2;
    info->n_stats = 64;
    info->testinfo_len = 5;
    return 0;
}

/* ------------------------------------------------------------------ cable modules
 *
 * A port's cage holds what cardctl.py plugged: cards/<bdf>/module/port<N>.eeprom (N = dev_port + 1), the
 * module's memory as the kernel's ethtool API lays it out (SFF-8636: lower page, upper page 00h, then upper
 * pages 01h-03h if the module has them; SFF-8472: A0h then A2h). No file = empty cage.
 * The chain below is that of Debian 12's kernel 6.1 (docs/lab/emulator.md, "Cable modules"):
 *   module two-wire bus (firmware MAD_IFC "Module Info", 0xFF60)  -> mod_i2c_read()
 *   mlx4_core mlx4_get_module_info() (port.c)                      -> mlx4_module_chunk()
 *   mlx4_en mlx4_en_get_module_info()/_eeprom() (en_ethtool.c)     -> mlx4_en_module_info()/_eeprom()
 *   net/ethtool: netlink eeprom_fallback() + ioctl ethtool_get_any_eeprom()
 */

#define MOD_MAX 1024
#define MAD_MODULE_STATUS(err) ((unsigned)(err) << 8 | 0x1c) /* MAD status with the cable error in bits 15-8 */
#define CABLE_INF_NOT_CONN 0x3
#define CABLE_INF_PAGE_ERR 0x5
#define CABLE_INF_INV_ADDR 0x6
#define CABLE_INF_I2C_ADDR 0x7

struct port_module
{
    char ifname[IFNAMSIZ];
    unsigned ifindex;
    int port;             /* 1-based */
    size_t len;           /* 0 = empty cage */
    uint8_t img[MOD_MAX];
};

/* Fills pm for a card's netdev; returns 0, or -1 when the netdev is not a card port. */
static int port_module(const char *ifname, struct port_module *pm)
{
    char bdf[64], path[PATH_MAX], buf[32];
    struct hw hw;
    ssize_t n;
    int fd;
    if (netdev_card(ifname, bdf, sizeof(bdf), &hw) != 0)
        return -1;
    memset(pm, 0, sizeof(*pm));
    snprintf(pm->ifname, sizeof(pm->ifname), "%s", ifname);
    pm->ifindex = if_nametoindex(ifname);
    pm->port = 1;
    snprintf(path, sizeof(path), "%s/sys/class/net/%s/device/net/%s/dev_port", g_root, ifname, ifname);
    if (read_file(path, buf, sizeof(buf)) > 0)
        pm->port = atoi(buf) + 1;
    snprintf(path, sizeof(path), "%s/cards/%.63s/module/port%d.eeprom", g_root, bdf, pm->port);
    fd = raw_open(path, O_RDONLY, 0);
    if (fd >= 0)
    {
        n = read(fd, pm->img, sizeof(pm->img));
        raw_close(fd);
        pm->len = n > 0 ? (size_t)n : 0;
    }
    DBG("module %s port %d of %s: %zu bytes\n", ifname, pm->port, bdf, pm->len);
    return 0;
}

/* The module's two-wire interface. Returns 0 or a MAD status. */
static unsigned mod_i2c_read(const struct port_module *pm, unsigned i2c, unsigned page, unsigned off, unsigned n,
                             uint8_t *out)
{
    if (!pm->len)
        return MAD_MODULE_STATUS(CABLE_INF_NOT_CONN);
    if (pm->img[0] == 0x03) /* SFP (SFF-8472): A0h, then A2h if the module has diagnostics */
    {
        size_t base = i2c == 0x51 ? 256 : 0;
        if ((i2c != 0x50 && i2c != 0x51) || (i2c == 0x51 && pm->len <= 256))
            return MAD_MODULE_STATUS(CABLE_INF_I2C_ADDR);
        if (base + off + n > pm->len || off + n > 256)
            return MAD_MODULE_STATUS(CABLE_INF_INV_ADDR);
        memcpy(out, pm->img + base + off, n);
        return 0;
    }
    if (i2c != 0x50) /* SFF-8636: one device at 0x50, upper pages selected by byte 127 */
        return MAD_MODULE_STATUS(CABLE_INF_I2C_ADDR);
    for (unsigned i = 0; i < n; i++)
    {
        unsigned a = off + i;
        size_t idx = (a < 128 || page == 0) ? a : 256 + (size_t)(page - 1) * 128 + (a - 128);
        if (a >= 256)
            return MAD_MODULE_STATUS(CABLE_INF_INV_ADDR);
        if (idx >= pm->len)
            return MAD_MODULE_STATUS(CABLE_INF_PAGE_ERR);
        out[i] = pm->img[idx];
    }
    return 0;
}

/* mlx4_get_module_info(): at most 48 bytes, never across offset 256; >0 bytes read, 0 done, <0 error. */
static int mlx4_module_chunk(const struct port_module *pm, unsigned offset, unsigned size, uint8_t *data)
{
    unsigned st, i2c = 0x50, page = 0;
    uint8_t id;
    if (size > 48)
        size = 48;
    st = mod_i2c_read(pm, 0x50, 0, 0, 1, &id); /* mlx4_get_module_id() */
    if (st)
        return -(int)st;
    switch (id)
    {
        case 0x03: /* mlx4_sfp_eeprom_params_set() */
            if (offset >= 256)
            {
                i2c = 0x51;
                offset -= 256;
            }
            break;
        case 0x0c:
        case 0x0d:
        case 0x11: /* mlx4_qsfp_eeprom_params_set() */
            page = offset < 256 ? 0 : 1 + (offset - 256) / 128;
            offset -= page * 128;
            break;
        default:
            return -EINVAL;
    }
    if (offset < 256 && offset + size > 256)
        size -= offset + size - 256;
    st = mod_i2c_read(pm, i2c, page, offset, size, data);
    if (st)
    {
        if (i2c == 0x51 && ((st >> 8) & 0xff) == CABLE_INF_I2C_ADDR)
            return 0; /* "Some SFP cables do not support i2c slave address 0x51", abort silently */
        return -(int)st;
    }
    return (int)size;
}

/* mlx4_en_get_module_info() of kernel 6.1: QSFP lengths are the 256-byte ones, SFP is A0h + A2h. */
static int mlx4_en_module_info(const struct port_module *pm, uint32_t *type, uint32_t *len)
{
    uint8_t d[2];
    if (mlx4_module_chunk(pm, 0, 2, d) < 2)
        return -EIO;
    switch (d[0])
    {
        case 0x0c:
            *type = ETH_MODULE_SFF_8436;
            *len = ETH_MODULE_SFF_8436_LEN;
            return 0;
        case 0x0d:
            *type = d[1] >= 0x3 ? ETH_MODULE_SFF_8636 : ETH_MODULE_SFF_8436;
            *len = d[1] >= 0x3 ? ETH_MODULE_SFF_8636_LEN : ETH_MODULE_SFF_8436_LEN;
            return 0;
        case 0x11:
            *type = ETH_MODULE_SFF_8636;
            *len = ETH_MODULE_SFF_8636_LEN;
            return 0;
        case 0x03:
            *type = ETH_MODULE_SFF_8472;
            *len = ETH_MODULE_SFF_8472_LEN;
            return 0;
        default:
            return -EINVAL;
    }
}

/* mlx4_en_get_module_eeprom() */
static int mlx4_en_module_eeprom(const struct port_module *pm, unsigned offset, unsigned len, uint8_t *data)
{
    unsigned i = 0;
    if (len == 0)
        return -EINVAL;
    memset(data, 0, len);
    while (i < len)
    {
        int r = mlx4_module_chunk(pm, offset, len - i, data + i);
        if (r == 0)
            return 0;
        if (r < 0)
            return r;
        i += (unsigned)r;
        offset += (unsigned)r;
    }
    return 0;
}

/* SIOCETHTOOL ETHTOOL_GMODULEINFO / ETHTOOL_GMODULEEEPROM (net/ethtool/ioctl.c). 0 or -errno. */
static int fake_module_ioctl(const char *ifname, void *data, int *handled)
{
    struct port_module pm;
    uint32_t cmd, type, total;
    int r;
    *handled = 0;
    memcpy(&cmd, data, sizeof(cmd));
    if ((cmd != ETHTOOL_GMODULEINFO && cmd != ETHTOOL_GMODULEEEPROM) || port_module(ifname, &pm) != 0)
        return 0;
    *handled = 1;
    r = mlx4_en_module_info(&pm, &type, &total);
    if (r)
        return r;
    if (cmd == ETHTOOL_GMODULEINFO)
    {
        struct ethtool_modinfo *mi = data;
        mi->type = type;
        mi->eeprom_len = total;
        return 0;
    }
    {
        struct ethtool_eeprom *ee = data;
        uint8_t buf[MOD_MAX];
        if (ee->offset + ee->len <= ee->offset || ee->offset + ee->len > total || ee->len > sizeof(buf))
            return -EINVAL;
        r = mlx4_en_module_eeprom(&pm, ee->offset, ee->len, buf);
        if (r)
            return r;
        memcpy(ee->data, buf, ee->len);
        return 0;
    }
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    void *arg;
    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);
    load_ioctl();
    if (req == SIOCETHTOOL && arg)
    {
        struct ifreq *ifr = arg;
        struct ethtool_drvinfo *info = (struct ethtool_drvinfo *)ifr->ifr_data;
        char name[IFNAMSIZ + 1];
        int handled, r, saved = errno;
        memcpy(name, ifr->ifr_name, IFNAMSIZ);
        name[IFNAMSIZ] = '\0';
        if (info && info->cmd == ETHTOOL_GDRVINFO && fake_drvinfo(name, info) == 0)
            return 0;
        if (info)
        {
            r = fake_module_ioctl(name, info, &handled);
            if (handled)
            {
                if (r == 0)
                    return 0;
                errno = -r;
                return -1;
            }
        }
        errno = saved;
    }
    return REAL(ioctl)(fd, req, arg);
}

/* ---- netlink: ETHTOOL_MSG_MODULE_EEPROM_GET
 *
 * ethtool 6.1 reads modules over genetlink only (no ioctl fallback once the kernel knows the message), so the
 * request for a card port is answered here, the way the kernel would: the reply message, then the ACK (both
 * queued for the socket's next recvmsg), or an error ACK. Everything else, including requests the kernel would
 * reject before asking the driver (permissions, policy, unknown device, bad page/offset), goes to the kernel.
 */

#define NLQ_SLOTS 8
#define NLQ_MSGS 2
#define NLQ_BUF 1024
#define NL_ALIGN4(n) (((n) + 3u) & ~3u)
#define ETHTOOL_GENL_NAME_STR "ethtool"

static struct
{
    int fd;
    int count;
    size_t len[NLQ_MSGS];
    uint8_t buf[NLQ_MSGS][NLQ_BUF];
} g_nlq[NLQ_SLOTS];
static int g_nlq_used;   /* slots in use (fast path of recvmsg/close) */
static int g_ethtool_family = -1;

DEF_REAL(ssize_t, sendto, int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t)
DEF_REAL(ssize_t, recvmsg, int, struct msghdr *, int)

static void nlq_forget(int fd)
{
    if (!__atomic_load_n(&g_nlq_used, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < NLQ_SLOTS; i++)
        if (g_nlq[i].count && g_nlq[i].fd == fd)
        {
            g_nlq[i].count = 0;
            __atomic_fetch_sub(&g_nlq_used, 1, __ATOMIC_RELEASE);
        }
    pthread_mutex_unlock(&g_lock);
}

/* The ethtool genetlink family id, asked on a private socket (raw syscalls: no wrapper involved). */
static int ethtool_family_id(void)
{
    struct
    {
        struct nlmsghdr n;
        struct genlmsghdr g;
        struct nlattr a;
        char name[8];
    } req;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    uint8_t buf[8192];
    long fd, n;
    int id = -1;
    if (g_ethtool_family >= 0)
        return g_ethtool_family;
    fd = syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    if (fd < 0)
        return -1;
    memset(&req, 0, sizeof(req));
    req.n.nlmsg_len = sizeof(req);
    req.n.nlmsg_type = GENL_ID_CTRL;
    req.n.nlmsg_flags = NLM_F_REQUEST;
    req.n.nlmsg_seq = 1;
    req.g.cmd = CTRL_CMD_GETFAMILY;
    req.g.version = 1;
    req.a.nla_len = NLA_HDRLEN + sizeof(ETHTOOL_GENL_NAME_STR);
    req.a.nla_type = CTRL_ATTR_FAMILY_NAME;
    memcpy(req.name, ETHTOOL_GENL_NAME_STR, sizeof(ETHTOOL_GENL_NAME_STR));
    if (syscall(SYS_sendto, fd, &req, sizeof(req), 0, &kernel, sizeof(kernel)) == (long)sizeof(req) &&
        (n = syscall(SYS_recvfrom, fd, buf, sizeof(buf), 0, NULL, NULL)) > (long)(NLMSG_HDRLEN + GENL_HDRLEN))
    {
        struct nlmsghdr *nh = (struct nlmsghdr *)buf;
        if (nh->nlmsg_type == GENL_ID_CTRL && nh->nlmsg_len <= (unsigned long)n)
        {
            size_t pos = NLMSG_HDRLEN + GENL_HDRLEN;
            while (pos + NLA_HDRLEN <= nh->nlmsg_len)
            {
                struct nlattr *a = (struct nlattr *)(buf + pos);
                if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > nh->nlmsg_len)
                    break;
                if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID && a->nla_len >= NLA_HDRLEN + 2)
                {
                    uint16_t v;
                    memcpy(&v, buf + pos + NLA_HDRLEN, 2);
                    id = v;
                }
                pos += NL_ALIGN4(a->nla_len);
            }
        }
    }
    syscall(SYS_close, fd);
    if (id >= 0)
        g_ethtool_family = id;
    return id;
}

static int has_net_admin(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) != 0)
        return 0;
    return (data[CAP_NET_ADMIN / 32].effective >> (CAP_NET_ADMIN % 32)) & 1;
}

static size_t nl_put_attr(uint8_t *buf, size_t pos, uint16_t type, const void *data, size_t len)
{
    struct nlattr a = {.nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type};
    memcpy(buf + pos, &a, sizeof(a));
    if (len)
        memcpy(buf + pos + NLA_HDRLEN, data, len);
    memset(buf + pos + NLA_HDRLEN + len, 0, NL_ALIGN4(NLA_HDRLEN + len) - (NLA_HDRLEN + len));
    return pos + NL_ALIGN4(NLA_HDRLEN + len);
}

/* Queue the kernel's answer to one MODULE_EEPROM_GET request on fd. Returns 0 when answered, -1 to pass on. */
static int fake_module_netlink(int fd, const void *msg, size_t len)
{
    const struct nlmsghdr *req = msg;
    const uint8_t *p = msg;
    const struct genlmsghdr *g = (const struct genlmsghdr *)(p + NLMSG_HDRLEN);
    struct port_module pm;
    char ifname[IFNAMSIZ] = "";
    uint32_t ifindex = 0, offset = 0, length = 0;
    int have_off = 0, have_len = 0, have_page = 0, have_i2c = 0;
    uint8_t page = 0, bank = 0, i2c = 0;
    uint8_t data[128];
    struct sockaddr_nl me;
    socklen_t alen = sizeof(me);
    int domain = 0, proto = 0, slot = -1, err;
    socklen_t olen = sizeof(int);
    size_t pos;

    if (len < NLMSG_HDRLEN + GENL_HDRLEN || req->nlmsg_len != len || len > NLQ_BUF - 64 ||
        req->nlmsg_type <= GENL_ID_CTRL || !(req->nlmsg_flags & NLM_F_REQUEST) ||
        (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP || g->cmd != ETHTOOL_MSG_MODULE_EEPROM_GET)
        return -1;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &olen) != 0 || domain != AF_NETLINK)
        return -1;
    olen = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &olen) != 0 || proto != NETLINK_GENERIC)
        return -1;
    /* the attributes, checked like the policy ethnl_module_eeprom_get_policy does */
    for (pos = NLMSG_HDRLEN + GENL_HDRLEN; pos + NLA_HDRLEN <= len;)
    {
        const struct nlattr *a = (const struct nlattr *)(p + pos);
        const uint8_t *v = p + pos + NLA_HDRLEN;
        size_t vlen;
        if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > len)
            return -1;
        vlen = a->nla_len - NLA_HDRLEN;
        switch (a->nla_type & NLA_TYPE_MASK)
        {
            case ETHTOOL_A_MODULE_EEPROM_HEADER:
                for (size_t hp = 0; hp + NLA_HDRLEN <= vlen;)
                {
                    const struct nlattr *h = (const struct nlattr *)(v + hp);
                    if (h->nla_len < NLA_HDRLEN || hp + h->nla_len > vlen)
                        return -1;
                    if (h->nla_type == ETHTOOL_A_HEADER_DEV_INDEX && h->nla_len == NLA_HDRLEN + 4)
                        memcpy(&ifindex, v + hp + NLA_HDRLEN, 4);
                    else if (h->nla_type == ETHTOOL_A_HEADER_DEV_NAME && h->nla_len > NLA_HDRLEN &&
                             h->nla_len - NLA_HDRLEN <= IFNAMSIZ && v[hp + h->nla_len - 1] == '\0')
                        memcpy(ifname, v + hp + NLA_HDRLEN, h->nla_len - NLA_HDRLEN);
                    else if (h->nla_type != ETHTOOL_A_HEADER_FLAGS || h->nla_len != NLA_HDRLEN + 4 ||
                             memcmp(v + hp + NLA_HDRLEN, "\0\0\0\0", 4) != 0)
                        return -1; /* flags or anything unusual: the kernel decides */
                    hp += NL_ALIGN4(h->nla_len);
                }
                break;
            case ETHTOOL_A_MODULE_EEPROM_OFFSET:
                if (vlen != 4)
                    return -1;
                memcpy(&offset, v, 4);
                have_off = 1;
                break;
            case ETHTOOL_A_MODULE_EEPROM_LENGTH:
                if (vlen != 4)
                    return -1;
                memcpy(&length, v, 4);
                have_len = 1;
                break;
            case ETHTOOL_A_MODULE_EEPROM_PAGE:
                if (vlen != 1)
                    return -1;
                page = v[0];
                have_page = 1;
                break;
            case ETHTOOL_A_MODULE_EEPROM_BANK:
                if (vlen != 1)
                    return -1;
                bank = v[0];
                break;
            case ETHTOOL_A_MODULE_EEPROM_I2C_ADDRESS:
                if (vlen != 1)
                    return -1;
                i2c = v[0];
                have_i2c = 1;
                break;
            default:
                return -1;
        }
        pos += NL_ALIGN4(a->nla_len);
    }
    (void)bank;
    /* eeprom_parse_request() and the policy: anything it refuses is the kernel's to refuse */
    if (!have_off || !have_len || !have_page || !have_i2c || offset > 255 || length < 1 || length > 128 ||
        i2c > 0x7f || (page && offset < 128) || (offset < 128 && offset + length > 128) || offset + length > 256)
        return -1;
    if (!*ifname && (!ifindex || !if_indextoname(ifindex, ifname)))
        return -1;
    if (port_module(ifname, &pm) != 0 || !has_net_admin())
        return -1;
    if (ethtool_family_id() != req->nlmsg_type)
        return -1;
    if (getsockname(fd, (struct sockaddr *)&me, &alen) != 0 || me.nl_family != AF_NETLINK)
        return -1;

    /* eeprom_prepare_data() -> eeprom_fallback(): mlx4 has no get_module_eeprom_by_page */
    {
        uint32_t type, total, off;
        err = mlx4_en_module_info(&pm, &type, &total);
        if (!err)
        {
            off = page ? page * 128u + offset : offset;
            if (type == ETH_MODULE_SFF_8472 && i2c == 0x51)
                off += 256;
            err = off >= total ? -EINVAL : mlx4_en_module_eeprom(&pm, off, length, data);
        }
    }

    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < NLQ_SLOTS; i++)
        if (g_nlq[i].count && g_nlq[i].fd == fd)
            slot = i; /* a stale answer nobody read: replaced */
    for (int i = 0; slot < 0 && i < NLQ_SLOTS; i++)
        if (!g_nlq[i].count)
            slot = i;
    if (slot < 0)
    {
        pthread_mutex_unlock(&g_lock);
        return -1;
    }
    if (!g_nlq[slot].count)
        __atomic_fetch_add(&g_nlq_used, 1, __ATOMIC_RELEASE);
    g_nlq[slot].fd = fd;
    g_nlq[slot].count = 0;
    if (!err)
    {
        /* ethnl_default_doit(): ETHTOOL_MSG_MODULE_EEPROM_GET_REPLY, header nest (index, name), data */
        uint8_t *b = g_nlq[slot].buf[0];
        struct nlmsghdr nh = {.nlmsg_type = req->nlmsg_type, .nlmsg_flags = 0, .nlmsg_seq = req->nlmsg_seq,
                              .nlmsg_pid = me.nl_pid};
        struct genlmsghdr gh = {.cmd = ETHTOOL_MSG_MODULE_EEPROM_GET_REPLY, .version = ETHTOOL_GENL_VERSION};
        size_t nest, q;
        memcpy(b + NLMSG_HDRLEN, &gh, sizeof(gh));
        nest = NLMSG_HDRLEN + GENL_HDRLEN;
        q = nl_put_attr(b, nest, NLA_F_NESTED | ETHTOOL_A_MODULE_EEPROM_HEADER, NULL, 0);
        q = nl_put_attr(b, q, ETHTOOL_A_HEADER_DEV_INDEX, &pm.ifindex, 4);
        q = nl_put_attr(b, q, ETHTOOL_A_HEADER_DEV_NAME, pm.ifname, strlen(pm.ifname) + 1);
        {
            struct nlattr a = {.nla_len = (uint16_t)(q - nest), .nla_type = NLA_F_NESTED | ETHTOOL_A_MODULE_EEPROM_HEADER};
            memcpy(b + nest, &a, sizeof(a));
        }
        q = nl_put_attr(b, q, ETHTOOL_A_MODULE_EEPROM_DATA, data, length);
        nh.nlmsg_len = (uint32_t)q;
        memcpy(b, &nh, sizeof(nh));
        g_nlq[slot].len[0] = q;
        g_nlq[slot].count = 1;
    }
    if (err || (req->nlmsg_flags & NLM_F_ACK))
    {
        /* netlink_ack(): an error carries the whole request, a success only its header (NLM_F_CAPPED) */
        int i = g_nlq[slot].count;
        uint8_t *b = g_nlq[slot].buf[i];
        size_t body = err ? len : NLMSG_HDRLEN;
        struct nlmsghdr nh = {.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + sizeof(int) + body), .nlmsg_type = NLMSG_ERROR,
                              .nlmsg_flags = err ? 0 : NLM_F_CAPPED, .nlmsg_seq = req->nlmsg_seq,
                              .nlmsg_pid = me.nl_pid};
        memcpy(b, &nh, sizeof(nh));
        memcpy(b + NLMSG_HDRLEN, &err, sizeof(err));
        memcpy(b + NLMSG_HDRLEN + sizeof(int), msg, body);
        g_nlq[slot].len[i] = nh.nlmsg_len;
        g_nlq[slot].count = i + 1;
    }
    pthread_mutex_unlock(&g_lock);
    DBG("netlink module eeprom %s i2c %#x page %u offset %u length %u -> %d\n", ifname, i2c, page, offset, length, err);
    return 0;
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, __CONST_SOCKADDR_ARG addr, socklen_t alen)
{
    load_sendto();
    /* cheap pre-check before anything else: a single genetlink message with the MODULE_EEPROM_GET command */
    if (buf && len >= NLMSG_HDRLEN + GENL_HDRLEN && ((const uint8_t *)buf)[NLMSG_HDRLEN] == ETHTOOL_MSG_MODULE_EEPROM_GET &&
        ((const struct nlmsghdr *)buf)->nlmsg_len == len)
    {
        int saved = errno;
        if (fake_module_netlink(fd, buf, len) == 0)
            return (ssize_t)len;
        errno = saved;
    }
    return REAL(sendto)(fd, buf, len, flags, addr, alen);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    int slot = -1;
    load_recvmsg();
    if (__atomic_load_n(&g_nlq_used, __ATOMIC_ACQUIRE) && msg)
    {
        pthread_mutex_lock(&g_lock);
        for (int i = 0; i < NLQ_SLOTS; i++)
            if (g_nlq[i].count && g_nlq[i].fd == fd)
                slot = i;
        if (slot >= 0)
        {
            size_t n = g_nlq[slot].len[0], done = 0;
            const uint8_t *src = g_nlq[slot].buf[0];
            for (size_t i = 0; i < (size_t)msg->msg_iovlen && done < n; i++)
            {
                size_t c = msg->msg_iov[i].iov_len < n - done ? msg->msg_iov[i].iov_len : n - done;
                memcpy(msg->msg_iov[i].iov_base, src + done, c);
                done += c;
            }
            if (msg->msg_name && msg->msg_namelen >= sizeof(struct sockaddr_nl))
            {
                struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
                memcpy(msg->msg_name, &kernel, sizeof(kernel));
                msg->msg_namelen = sizeof(kernel);
            }
            msg->msg_controllen = 0;
            msg->msg_flags = done < n ? MSG_TRUNC : 0;
            if (!(flags & MSG_PEEK))
            {
                memmove(g_nlq[slot].buf[0], g_nlq[slot].buf[1], g_nlq[slot].len[1]);
                g_nlq[slot].len[0] = g_nlq[slot].len[1];
                if (--g_nlq[slot].count == 0)
                    __atomic_fetch_sub(&g_nlq_used, 1, __ATOMIC_RELEASE);
            }
            pthread_mutex_unlock(&g_lock);
            return (ssize_t)((flags & MSG_TRUNC) ? n : done);
        }
        pthread_mutex_unlock(&g_lock);
    }
    return REAL(recvmsg)(fd, msg, flags);
}

__attribute__((constructor)) static void fakemlx_init(void)
{
    load_pread64(); /* cfg_pread needs it before any other wrapper ran */
    load_realpath();
    load_opendir();
}

/* At a normal exit (not after SIGKILL). No lock: this runs in every preloaded process, and one that exits while
 * another of its threads holds g_lock must not hang; the armed flags are this process's own. */
__attribute__((destructor)) static void fakemlx_fini(void)
{
    flash_decay();
}
