"""
An AMQP 1.0 TLS peer with Apache Qpid Proton (python3-qpid-proton), configured the way qdrouterd
configures itself from an sslProfile.

  amqp_tls_peer.py serve PORT SSLPROFILE_JSON REQUIRE_CLIENT_CERT(yes|no)
      Listens on 127.0.0.1:PORT with the sslProfile's certFile, privateKeyFile (or keyFile) and
      caCertFile (or certDb). Prints "LISTENING", then for the first connection that opens
      "OPENED <client certificate subject or ->", and exits 0 once the client closes. Exits 3 after 30 s without one.
  amqp_tls_peer.py connect PORT HOSTNAME CA_FILE [CERT_FILE KEY_FILE]
      Connects over TLS, verifying the server's chain against CA_FILE and its name against
      HOSTNAME (also sent as SNI). Prints "CONNECTED <server subject>" and exits 0, or prints the
      error and exits 1.
"""
import json
import sys

from proton import SSLDomain
from proton.handlers import MessagingHandler
from proton.reactor import Container


class Server(MessagingHandler):
    def __init__(self, port, profile, require_client_cert):
        super(Server, self).__init__()
        self.port = port
        self.domain = SSLDomain(SSLDomain.MODE_SERVER)
        key = profile.get("privateKeyFile") or profile.get("keyFile")
        ca = profile.get("caCertFile") or profile.get("certDb")
        self.domain.set_credentials(profile["certFile"], key, None)
        if ca:
            self.domain.set_trusted_ca_db(ca)
        if require_client_cert:
            self.domain.set_peer_authentication(SSLDomain.VERIFY_PEER, ca)
        else:
            self.domain.set_peer_authentication(SSLDomain.ANONYMOUS_PEER)
        self.acceptor = None
        self.opened = False

    def on_start(self, event):
        self.acceptor = event.container.listen("amqps://127.0.0.1:%d" % self.port, ssl_domain=self.domain)
        event.container.schedule(30, self)
        print("LISTENING", flush=True)

    def on_timer_task(self, event):
        print("TIMEOUT", flush=True)
        sys.exit(3)

    def on_connection_opened(self, event):
        ssl = event.transport.ssl(None, None) if hasattr(event.transport, "ssl") else None
        subject = ssl.get_cert_subject() if ssl is not None else None
        print("OPENED %s" % (subject or "-"), flush=True)
        self.opened = True

    # The client closes after its open is answered; stopping earlier would cut the answer off.
    def on_connection_closed(self, event):
        self._finish(event)

    def on_transport_closed(self, event):
        self._finish(event)

    def _finish(self, event):
        # Failed handshakes (a client that rejects us) close transports too: keep listening.
        if self.opened and self.acceptor is not None:
            self.acceptor.close()
            self.acceptor = None
            event.container.stop()


class Client(MessagingHandler):
    def __init__(self, port, hostname, ca, cert, key):
        super(Client, self).__init__()
        self.url = "amqps://127.0.0.1:%d" % port
        self.hostname = hostname
        self.domain = SSLDomain(SSLDomain.MODE_CLIENT)
        self.domain.set_trusted_ca_db(ca)
        self.domain.set_peer_authentication(SSLDomain.VERIFY_PEER_NAME, ca)
        if cert:
            self.domain.set_credentials(cert, key, None)
        self.ok = False
        self.error = None

    def on_start(self, event):
        event.container.connect(self.url, ssl_domain=self.domain, virtual_host=self.hostname, reconnect=False,
                                sasl_enabled=False)

    def on_connection_opened(self, event):
        ssl = event.transport.ssl(None, None)
        print("CONNECTED %s" % ssl.get_cert_subject(), flush=True)
        self.ok = True
        event.connection.close()

    def on_transport_error(self, event):
        cond = event.transport.condition
        self.error = "%s: %s" % (cond.name, cond.description) if cond else "transport error"
        if event.connection is not None:
            event.connection.close()


def main(argv):
    if len(argv) >= 4 and argv[0] == "serve":
        with open(argv[2]) as f:
            profile = json.load(f)
        Container(Server(int(argv[1]), profile, argv[3] == "yes")).run()
        return 0
    if len(argv) in (4, 6) and argv[0] == "connect":
        cert, key = (argv[4], argv[5]) if len(argv) == 6 else (None, None)
        client = Client(int(argv[1]), argv[2], argv[3], cert, key)
        Container(client).run()
        if not client.ok:
            print("FAILED %s" % client.error, flush=True)
            return 1
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
