"""A local SMTP server for the tests (aiosmtpd is not installed): a socket server in a thread,
one thread per connection, that keeps every message it accepts. `fail_next` makes it answer
the next N messages with a temporary failure (451), `delay` slows each message down so that
concurrent senders overlap."""
import email
import email.policy
import socket
import threading
import time


class SmtpSink(threading.Thread):
    def __init__(self, delay: float = 0.0):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.messages = []  # email.message.EmailMessage objects, in the order received
        self.fail_next = 0
        self.delay = delay
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                connection, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def stop(self):
        self.stopped.set()
        self.join(5)
        self.sock.close()

    def settings(self) -> dict:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_STARTTLS": False}

    def _serve(self, connection):
        connection.settimeout(10)
        f = connection.makefile("rwb")

        def say(line):
            f.write(line.encode() + b"\r\n")
            f.flush()

        say("220 sink")
        in_data, lines = False, []
        try:
            for raw in f:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if in_data:
                    if line == ".":
                        in_data = False
                        say(self._accept(lines))
                        lines = []
                    else:
                        lines.append(line[1:] if line.startswith("..") else line)
                    continue
                verb = line.split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    say("250 sink")
                elif verb == "DATA":
                    in_data = True
                    say("354 go on")
                elif verb == "QUIT":
                    say("221 bye")
                    break
                else:
                    say("250 ok")
        except OSError:
            pass
        finally:
            f.close()
            connection.close()

    def _accept(self, lines) -> str:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return "451 try again later"
            self.messages.append(email.message_from_string("\n".join(lines), policy=email.policy.default))
        return "250 queued"

    def bodies(self) -> list[str]:
        with self.lock:
            return [m.get_content() for m in self.messages]
