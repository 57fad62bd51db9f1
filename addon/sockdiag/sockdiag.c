// Lists TCP/UDP sockets through NETLINK_SOCK_DIAG, the kernel interface `ss` itself uses, without
// forking `ss` each tick: at 1 Hz the fork (and ss's own start-up) was most of the collector's CPU.
// One synchronous call returns every socket as a fixed-size binary record in one Buffer; the
// TypeScript side (electron/collector/sockdiag.ts) decodes it and reuses what it already knows per
// socket cookie, so a tick allocates almost nothing for sockets seen before.
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <node_api.h>

// Record layout; keep in step with electron/collector/sockdiag.ts.
#define REC_SIZE 168
#define OFF_PROTO 0
#define OFF_AF 1
#define OFF_STATE 2
#define OFF_FLAGS 3
#define OFF_UID 4
#define OFF_INODE 8
#define OFF_COOKIE_LO 12
#define OFF_COOKIE_HI 16
#define OFF_LPORT 20
#define OFF_RPORT 22
#define OFF_IFINDEX 24
#define OFF_SENT 32
#define OFF_RETRANS 40
#define OFF_RECEIVED 48
#define OFF_LOCAL 56
#define OFF_REMOTE 104
#define OFF_IFNAME 152
#define TEXT_LEN 48

#define FLAG_INFO 1
#define FLAG_BYTES_SENT 2

// Every state but LISTEN, CLOSE (unconnected UDP), TIME-WAIT and SYN-RECV: what `ss` lists without -a.
#define TCPF(s) (1u << (s))
#define STATES_CONNECTED (0xFFFFFFFFu & ~(TCPF(10) | TCPF(7) | TCPF(6) | TCPF(3) | TCPF(12)))

typedef struct {
  uint8_t *data;
  size_t len;
  size_t cap;
} out_t;

static int out_reserve(out_t *o, size_t more) {
  if (o->len + more <= o->cap) return 0;
  size_t cap = o->cap ? o->cap * 2 : 64 * REC_SIZE;
  while (cap < o->len + more) cap *= 2;
  uint8_t *p = realloc(o->data, cap);
  if (!p) return -1;
  o->data = p;
  o->cap = cap;
  return 0;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put_f64(uint8_t *p, double v) { memcpy(p, &v, 8); }

static void put_addr(uint8_t *p, int af, const __be32 *addr) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (!inet_ntop(af, addr, text, sizeof text)) text[0] = 0;
  memcpy(p, text, TEXT_LEN < sizeof text ? TEXT_LEN : sizeof text);
  p[TEXT_LEN - 1] = 0;
}

static int record(out_t *o, uint8_t proto, struct nlmsghdr *h) {
  struct inet_diag_msg *m = NLMSG_DATA(h);
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof *m)) return 0;
  if (out_reserve(o, REC_SIZE) < 0) return -1;
  uint8_t *r = o->data + o->len;
  memset(r, 0, REC_SIZE);
  r[OFF_PROTO] = proto;
  r[OFF_AF] = m->idiag_family;
  r[OFF_STATE] = m->idiag_state;
  put_u32(r + OFF_UID, m->idiag_uid);
  put_u32(r + OFF_INODE, m->idiag_inode);
  put_u32(r + OFF_COOKIE_LO, m->id.idiag_cookie[0]);
  put_u32(r + OFF_COOKIE_HI, m->id.idiag_cookie[1]);
  put_u16(r + OFF_LPORT, ntohs(m->id.idiag_sport));
  put_u16(r + OFF_RPORT, ntohs(m->id.idiag_dport));
  put_u32(r + OFF_IFINDEX, m->id.idiag_if);
  put_addr(r + OFF_LOCAL, m->idiag_family, m->id.idiag_src);
  put_addr(r + OFF_REMOTE, m->idiag_family, m->id.idiag_dst);
  if (m->id.idiag_if) {
    char name[IF_NAMESIZE] = {0};
    if (if_indextoname(m->id.idiag_if, name)) memcpy(r + OFF_IFNAME, name, IF_NAMESIZE - 1);
  }
  uint8_t flags = 0;
  int alen = h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
  for (struct rtattr *a = (struct rtattr *)(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
    if (a->rta_type != INET_DIAG_INFO) continue;
    const struct tcp_info *ti = RTA_DATA(a);
    size_t have = RTA_PAYLOAD(a);
    // Older kernels send a shorter tcp_info: read only the fields it has.
    if (have >= offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti->tcpi_bytes_received) {
      flags |= FLAG_INFO;
      put_f64(r + OFF_RECEIVED, (double)ti->tcpi_bytes_received);
      // bytes_sent/bytes_retrans came with 4.19; before that, bytes_acked is the best there is.
      if (have >= offsetof(struct tcp_info, tcpi_bytes_retrans) + sizeof ti->tcpi_bytes_retrans) {
        flags |= FLAG_BYTES_SENT;
        put_f64(r + OFF_SENT, (double)ti->tcpi_bytes_sent);
        put_f64(r + OFF_RETRANS, (double)ti->tcpi_bytes_retrans);
      } else {
        put_f64(r + OFF_SENT, (double)ti->tcpi_bytes_acked);
      }
    } else if (have > 0) {
      flags |= FLAG_INFO;
    }
  }
  r[OFF_FLAGS] = flags;
  o->len += REC_SIZE;
  return 0;
}

// Sends one dump request and reads the replies into `o`. Returns 0, or an errno value.
static int dump_request(out_t *o, uint8_t proto, const void *msg, size_t len) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return errno;
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (sendto(fd, msg, len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return e;
  }
  static __thread char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
  int err = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    if (n == 0) break;
    int done = 0;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        done = 1;
        break;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = NLMSG_DATA(h);
        err = e->error ? -e->error : EIO;
        done = 1;
        break;
      }
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY && h->nlmsg_type != TCPDIAG_GETSOCK) continue;
      if (record(o, proto, h) < 0) {
        err = ENOMEM;
        done = 1;
        break;
      }
    }
    if (done) break;
  }
  close(fd);
  return err;
}

static void dump_header(struct nlmsghdr *h, size_t len, uint16_t type) {
  h->nlmsg_len = len;
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h->nlmsg_seq = 1;
}

// One dump (family × protocol) with the current request format.
static int dump(out_t *o, int family, uint8_t proto, uint32_t states) {
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } msg;
  memset(&msg, 0, sizeof msg);
  dump_header(&msg.nlh, sizeof msg, SOCK_DIAG_BY_FAMILY);
  msg.req.sdiag_family = family;
  msg.req.sdiag_protocol = proto;
  msg.req.idiag_states = states;
  if (proto == IPPROTO_TCP) msg.req.idiag_ext = 1 << (INET_DIAG_INFO - 1);
  int err = dump_request(o, proto, &msg, sizeof msg);
  // A family the kernel does not have (IPv6 disabled) is no socket, not an error.
  return err == ENOENT || err == EAFNOSUPPORT ? 0 : err;
}

// TCP of both families in one dump. Each dump walks the kernel's whole established-connection hash
// (262 144 buckets on a 24 GB machine: ~0.35 ms however few sockets there are); the older request
// format asks for every family at once, so the walk happens once a tick instead of twice.
static int dump_tcp_both(out_t *o, uint32_t states) {
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req req;
  } msg;
  memset(&msg, 0, sizeof msg);
  dump_header(&msg.nlh, sizeof msg, TCPDIAG_GETSOCK);
  msg.req.idiag_family = AF_INET;
  msg.req.idiag_states = states;
  msg.req.idiag_ext = 1 << (INET_DIAG_INFO - 1);
  return dump_request(o, IPPROTO_TCP, &msg, sizeof msg);
}

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "sock_diag %s: %s", what, strerror(err));
  napi_throw_error(env, err == EPERM || err == EACCES ? "EPERM" : "ESOCKDIAG", msg);
  return NULL;
}

// list(tcp: boolean, udp: boolean, all: boolean): Buffer of REC_SIZE records
static napi_value list(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, NULL, "list(tcp, udp, all) takes three booleans");
    return NULL;
  }
  bool want[3];
  for (int i = 0; i < 3; i++) {
    if (napi_get_value_bool(env, argv[i], &want[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "list(tcp, udp, all) takes three booleans");
      return NULL;
    }
  }
  uint32_t states = want[2] ? 0xFFFFFFFFu : STATES_CONNECTED;
  out_t o = {0};
  const int families[2] = {AF_INET, AF_INET6};
  static int compat_tcp = 1;
  for (int p = 0; p < 2; p++) {
    if (!want[p]) continue;
    if (p == 0 && compat_tcp) {
      size_t before = o.len;
      int err = dump_tcp_both(&o, states);
      if (!err) continue;
      // Not offered by this kernel (or refused): per-family dumps from now on.
      o.len = before;
      compat_tcp = 0;
    }
    for (int f = 0; f < 2; f++) {
      int err = dump(&o, families[f], p == 0 ? IPPROTO_TCP : IPPROTO_UDP, states);
      if (err) {
        free(o.data);
        return throw_errno(env, err, p == 0 ? "tcp" : "udp");
      }
    }
  }
  napi_value result;
  void *copy;
  napi_status st = napi_create_buffer_copy(env, o.len, o.len ? (const void *)o.data : (const void *)"", &copy, &result);
  free(o.data);
  if (st != napi_ok) {
    napi_throw_error(env, NULL, "sock_diag: out of memory");
    return NULL;
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn, size;
  napi_create_function(env, "list", NAPI_AUTO_LENGTH, list, NULL, &fn);
  napi_set_named_property(env, exports, "list", fn);
  napi_create_uint32(env, REC_SIZE, &size);
  napi_set_named_property(env, exports, "recordSize", size);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
