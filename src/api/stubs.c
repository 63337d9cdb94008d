/* Functions of the seed API that this release does not implement yet:
 * P2P and signaling, certificates and a CA, the connectionless Messages
 * interface, FakeIP. Each answers TERN_NOT_SUPPORTED (see
 * docs/gns-mapping.md for the issue that will bring it). */
#include "tern/tern.h"

TERN_API tern_result tern_connect_p2p(tern_sockets *s, const tern_identity *peer, int vport,
                                      int nopts, const tern_config_value *opts, uint32_t *out)
{
    (void)s, (void)peer, (void)vport, (void)nopts, (void)opts;
    if (out) *out = 0;
    return TERN_NOT_SUPPORTED;
}

TERN_API tern_result tern_listen_p2p(tern_sockets *s, int vport, int nopts,
                                     const tern_config_value *opts, uint32_t *out)
{
    (void)s, (void)vport, (void)nopts, (void)opts;
    if (out) *out = 0;
    return TERN_NOT_SUPPORTED;
}

TERN_API tern_result tern_received_p2p_signal(tern_sockets *s, const void *msg, int len)
{
    (void)s, (void)msg, (void)len;
    return TERN_NOT_SUPPORTED;
}

TERN_API tern_result tern_get_certificate_request(tern_sockets *s, void *blob, int *len)
{
    (void)s, (void)blob, (void)len;
    return TERN_NOT_SUPPORTED;
}

TERN_API tern_result tern_set_certificate(tern_sockets *s, const void *cert, int len)
{
    (void)s, (void)cert, (void)len;
    return TERN_NOT_SUPPORTED;
}

TERN_API tern_result tern_messages_send(tern_sockets *s, const tern_identity *peer,
                                        const void *data, uint32_t len, int flags, int channel)
{
    (void)s, (void)peer, (void)data, (void)len, (void)flags, (void)channel;
    return TERN_NOT_SUPPORTED;
}

TERN_API int tern_messages_receive(tern_sockets *s, int channel, tern_message **out, int max)
{
    (void)s, (void)channel, (void)out, (void)max;
    return -TERN_NOT_SUPPORTED;
}

TERN_API tern_result tern_fake_ip_request(tern_sockets *s, int nports)
{
    (void)s, (void)nports;
    return TERN_NOT_SUPPORTED;
}
