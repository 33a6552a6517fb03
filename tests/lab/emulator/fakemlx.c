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
 *     are served from $FAKEMLX_ROOT (a fake sysfs tree that cardctl.py writes);
 *   - the PCI config file of a card is a live device: the old 0x58/0x5c CR-space gateway with
 *     the flash gateway (SPI NOR in cards/<bdf>/flash.bin, mmapped), HW semaphores, the running
 *     FW version and the tools HCR (QUERY_DEV_CAP, QUERY_DEF_PARAMS, MNVA/MNVI/MNVIA NV store);
 *   - SIOCETHTOOL/ETHTOOL_GDRVINFO for netdevs that belong to a card (driver mlx4_en).
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
#include <linux/ethtool.h>
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
    g_state = 1;
    pthread_mutex_unlock(&g_lock);
}

/* Map a virtual path to the file that serves it; returns p itself when nothing is redirected. */
static const char *map_path(const char *p, char *buf, size_t size)
{
    if (!p || p[0] != '/')
        return p;
    if (strncmp(p, "/sys/", 5) != 0 && strcmp(p, "/proc/modules") != 0)
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
    }
    count(c, CNT_PROG_BYTES, n);
    count(c, CNT_PROG_OPS, 1);
}

static void flash_erase(struct card *c, uint32_t addr, uint32_t size)
{
    addr &= ~(size - 1);
    if (addr + size > FLASH_SIZE)
        return;
    memset(c->flash + addr, 0xff, size);
    count(c, CNT_ERASE_OPS, 1);
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
                buf[i] = c->flash[(c->spi_addr + i) % FLASH_SIZE];
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
            unlink(path);
            count(c, CNT_NV_WRITES, 1);
            return 0;
        case 0x9029: /* MNVIA: invalidate all */
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

EXPORT int close(int fd)
{
    load_close();
    if (g_ncards)
    {
        pthread_mutex_lock(&g_lock);
        fd_forget(fd);
        pthread_mutex_unlock(&g_lock);
    }
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

/* ethtool -i on a netdev that belongs to a card: the mlx4_en driver answers. */
static int fake_drvinfo(const char *ifname, struct ethtool_drvinfo *info)
{
    char link[PATH_MAX], target[PATH_MAX], path[PATH_MAX];
    const char *bdf;
    ssize_t n;
    struct hw hw;
    int fd;
    init_once();
    if (g_state <= 0 || strchr(ifname, '/') || !*ifname)
        return -1;
    /* Only a netdev that exists while mlx4_en is "loaded" is a card port; else the real driver answers. */
    if (if_nametoindex(ifname) == 0 || !module_loaded("mlx4_en"))
        return -1;
    snprintf(link, sizeof(link), "%s/sys/class/net/%s/device", g_root, ifname);
    n = syscall(SYS_readlinkat, AT_FDCWD, link, target, sizeof(target) - 1);
    if (n <= 0)
        return -1;
    target[n] = '\0';
    bdf = strrchr(target, '/');
    bdf = bdf ? bdf + 1 : target;
    snprintf(path, sizeof(path), "%s/cards/%.63s/hw.bin", g_root, bdf);
    fd = raw_open(path, O_RDONLY, 0);
    if (fd < 0)
        return -1;
    n = read(fd, &hw, sizeof(hw));
    raw_close(fd);
    if (n != (ssize_t)sizeof(hw) || hw.magic != HW_MAGIC)
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
        memcpy(name, ifr->ifr_name, IFNAMSIZ);
        name[IFNAMSIZ] = '\0';
        if (info && info->cmd == ETHTOOL_GDRVINFO && fake_drvinfo(name, info) == 0)
            return 0;
    }
    return REAL(ioctl)(fd, req, arg);
}

__attribute__((constructor)) static void fakemlx_init(void)
{
    load_pread64(); /* cfg_pread needs it before any other wrapper ran */
    load_realpath();
    load_opendir();
}
