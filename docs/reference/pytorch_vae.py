# The official ReinMax MNIST-VAE setup (categorical 8x16, batch 100), re-typed in PyTorch to measure
# the reference numbers and step times on this machine next to ./relax. Not part of the project;
# needs PyTorch (and for `train`, the MNIST cache of `./relax data`, or MNIST_DIR).
#   python3 pytorch_vae.py train st|reinmax LR TAU radam|adam EPOCHS SEED   # per-epoch train/test -ELBO
#   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 pytorch_vae.py time st|reinmax   # median ms/step
import math, os, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

C, L = 8, 16


class VAE(nn.Module):
    def __init__(s, method, tau):
        super().__init__()
        s.method, s.tau = method, tau
        s.e1, s.e2, s.e3 = nn.Linear(784, 512), nn.Linear(512, 256), nn.Linear(256, L * C)
        s.d1, s.d2, s.d3 = nn.Linear(L * C, 256), nn.Linear(256, 512), nn.Linear(512, 784)

    def forward(s, x):
        """(BCE, KL), both batch means; z from ST or ReinMax as in the official code."""
        th = s.e3(F.relu(s.e2(F.relu(s.e1(x))))).view(-1, C)
        p = th.softmax(-1)
        D = torch.zeros_like(p).scatter_(-1, torch.multinomial(p, 1, replacement=True), 1.0)
        if s.method == 'st':
            q = (th / s.tau).softmax(-1)
            z = D - q.detach() + q
        else:
            pi1 = (.5 * ((th / s.tau).softmax(-1) + D)).detach()
            core = (th + (torch.log(pi1) - th).detach()).softmax(-1)     # value pi1, Jacobian J(pi1)
            z = D + 2 * (core - core.detach()) - .5 * (p - p.detach())
        r = torch.sigmoid(s.d3(F.relu(s.d2(F.relu(s.d1(z.view(x.size(0), -1)))))))
        bce = F.binary_cross_entropy(r, x, reduction='sum') / x.size(0)
        qy = p.view(x.size(0), -1)
        kld = (qy * torch.log(qy + 1e-10)).sum(-1).mean() + math.log(C) * L
        return bce, kld


def train(method, lr, tau, optim_name, epochs, seed):
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    d = os.environ.get('MNIST_DIR', os.path.expanduser('~/.cache/relax-samediff/mnist')) + '/'

    def images(f):
        raw = np.frombuffer(open(d + f, 'rb').read()[16:], dtype=np.uint8)
        return torch.tensor(raw.reshape(-1, 784).astype(np.float32) / 255.)

    tr, te = images('train-images-idx3-ubyte'), images('t10k-images-idx3-ubyte')
    m = VAE(method, tau)
    opt = (torch.optim.RAdam if optim_name == 'radam' else torch.optim.Adam)(m.parameters(), lr=lr)
    for ep in range(1, epochs + 1):
        t0 = time.time()
        perm = torch.randperm(60000)
        total = 0
        for i in range(600):
            b, k = m(tr[perm[i * 100:(i + 1) * 100]])
            loss = b + k
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * 100
        with torch.no_grad():
            test = sum(sum(m(te[j:j + 100])).item() * 100 for j in range(0, 10000, 100))
        print(f'epoch {ep} train {total / 60000:.3f} test {test / 10000:.3f} {time.time() - t0:.1f}s', flush=True)


def time_steps(method, steps=200, warmup=50):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    m = VAE(method, 1.5)
    opt = torch.optim.RAdam(m.parameters(), lr=1e-3)
    x = torch.rand(100, 784)
    ts = []
    for _ in range(warmup + steps):
        t0 = time.perf_counter()
        b, k = m(x)
        opt.zero_grad()
        (b + k).backward()
        opt.step()
        ts.append(time.perf_counter() - t0)
    ts = sorted(ts[warmup:])
    print(f'{method} median ms {1000 * ts[len(ts) // 2]:.1f} p90 {1000 * ts[int(len(ts) * 0.9)]:.1f}')


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == 'train' and len(sys.argv) == 8:
        a = sys.argv[2:]
        train(a[0], float(a[1]), float(a[2]), a[3], int(a[4]), int(a[5]))
    elif len(sys.argv) == 3 and sys.argv[1] == 'time':
        time_steps(sys.argv[2])
    else:
        sys.exit(__doc__ or 'usage: see the header of this file')
