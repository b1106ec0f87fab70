# The official ReinMax MNIST-VAE setup re-typed in PyTorch, to reproduce the reference numbers on this
# machine. Not part of the project; needs PyTorch and the MNIST cache of `./relax data`.
# Usage: python3 pytorch_vae_reference.py st|reinmax LR TAU radam|adam EPOCHS SEED
import sys, math, time, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
method, lr, tau, optim_name, epochs, seed = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
torch.set_num_threads(1); torch.manual_seed(seed)
import os; d = os.environ.get('MNIST_DIR', os.path.expanduser('~/.cache/relax-samediff/mnist')) + '/'
def imgs(f): return torch.tensor(np.frombuffer(open(d + f, 'rb').read()[16:], dtype=np.uint8).reshape(-1, 784).astype(np.float32) / 255.)
tr, te = imgs('train-images-idx3-ubyte'), imgs('t10k-images-idx3-ubyte')
C, L = 8, 16
class M(nn.Module):
    def __init__(s):
        super().__init__()
        s.e1, s.e2, s.e3 = nn.Linear(784, 512), nn.Linear(512, 256), nn.Linear(256, L * C)
        s.d1, s.d2, s.d3 = nn.Linear(L * C, 256), nn.Linear(256, 512), nn.Linear(512, 784)
    def forward(s, x):
        th = s.e3(F.relu(s.e2(F.relu(s.e1(x))))).view(-1, C)
        p = th.softmax(-1)
        D = torch.zeros_like(p).scatter_(-1, torch.multinomial(p, 1, replacement=True), 1.0)
        if method == 'st':
            q = (th / tau).softmax(-1); z = D - q.detach() + q
        else:
            pi1 = (.5 * ((th / tau).softmax(-1) + D)).detach()
            core = (th + (torch.log(pi1) - th).detach()).softmax(-1)     # value pi1, Jacobian J(pi1)
            z = D + 2 * (core - core.detach()) - .5 * (p - p.detach())
        r = torch.sigmoid(s.d3(F.relu(s.d2(F.relu(s.d1(z.view(x.size(0), -1)))))))
        bce = F.binary_cross_entropy(r, x, reduction='sum') / x.size(0)
        qy = p.view(x.size(0), -1)
        kld = (qy * torch.log(qy + 1e-10)).sum(-1).mean() + math.log(C) * L
        return bce, kld
m = M()
opt = (torch.optim.RAdam if optim_name == 'radam' else torch.optim.Adam)(m.parameters(), lr=lr)
for ep in range(1, epochs + 1):
    t0 = time.time(); perm = torch.randperm(60000); tl = 0
    for i in range(600):
        x = tr[perm[i * 100:(i + 1) * 100]]
        b, k = m(x); loss = b + k
        opt.zero_grad(); loss.backward(); opt.step(); tl += loss.item() * 100
    with torch.no_grad():
        tt = sum(sum(m(te[j:j + 100])) .item() * 100 for j in range(0, 10000, 100))
    print(f'epoch {ep} train {tl / 60000:.3f} test {tt / 10000:.3f} {time.time() - t0:.1f}s', flush=True)
