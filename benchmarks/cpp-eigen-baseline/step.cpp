// A C++ baseline for the streaming step, written the way RTNeural's compile-time Eigen layers compute
// (LSTMLayerT / GRULayerT / DenseT): fixed-size Eigen matrices, z = b + U·h + W·x per gate block, Eigen's
// vectorised exp/tanh, a Dense head. It is NOT RTNeural (its code cannot be fetched and built here); it measures
// what that style of compile-time C++ reaches on THIS machine, so RnnGen's step can be compared in the same run.
//
//   bash benchmarks/cpp-eigen-baseline/run.sh        (needs g++ and Debian's libeigen3-dev)
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

using Eigen::Matrix;

template <int N> using Vec = Matrix<float, N, 1>;

template <int N>
static inline Vec<N> sigmoid(const Vec<N>& x) { return ((-x).array().exp() + 1.0f).inverse().matrix(); }

template <int I, int H>
struct Lstm
{
    Matrix<float, H, I> Wi, Wf, Wg, Wo;
    Matrix<float, H, H> Ui, Uf, Ug, Uo;
    Vec<H> bi, bf, bg, bo, h, c, i, f, g, o;
    void init(std::mt19937& rng)
    {
        std::uniform_real_distribution<float> d(-0.3f, 0.3f);
        auto fill = [&](auto& m) { for (int k = 0; k < m.size(); k++) m.data()[k] = d(rng); };
        fill(Wi); fill(Wf); fill(Wg); fill(Wo); fill(Ui); fill(Uf); fill(Ug); fill(Uo);
        fill(bi); fill(bf); fill(bg); fill(bo); h.setZero(); c.setZero();
    }
    inline void forward(const Vec<I>& x)
    {
        f.noalias() = bf; f.noalias() += Uf * h; f.noalias() += Wf * x;
        i.noalias() = bi; i.noalias() += Ui * h; i.noalias() += Wi * x;
        o.noalias() = bo; o.noalias() += Uo * h; o.noalias() += Wo * x;
        f = sigmoid<H>(f); i = sigmoid<H>(i); o = sigmoid<H>(o);
        g.noalias() = bg; g.noalias() += Ug * h; g.noalias() += Wg * x;
        g = g.array().tanh();
        c = f.cwiseProduct(c); c.noalias() += i.cwiseProduct(g);
        h = c.array().tanh(); h = o.cwiseProduct(h);
    }
};

template <int I, int H>
struct Gru
{
    Matrix<float, H, I> Wz, Wr, Wn;
    Matrix<float, H, H> Uz, Ur, Un;
    Vec<H> bz, br, bn0, bn1, h, z, r, n;
    void init(std::mt19937& rng)
    {
        std::uniform_real_distribution<float> d(-0.3f, 0.3f);
        auto fill = [&](auto& m) { for (int k = 0; k < m.size(); k++) m.data()[k] = d(rng); };
        fill(Wz); fill(Wr); fill(Wn); fill(Uz); fill(Ur); fill(Un); fill(bz); fill(br); fill(bn0); fill(bn1); h.setZero();
    }
    inline void forward(const Vec<I>& x)
    {
        z = sigmoid<H>(Wz * x + Uz * h + bz);
        r = sigmoid<H>(Wr * x + Ur * h + br);
        n = (Wn * x + r.cwiseProduct(Un * h + bn1) + bn0).array().tanh();
        h = (Vec<H>::Ones() - z).cwiseProduct(n) + z.cwiseProduct(h);
    }
};

template <int I, int O>
struct Dense
{
    Matrix<float, O, I> W; Vec<O> b, y;
    void init(std::mt19937& rng)
    {
        std::uniform_real_distribution<float> d(-0.3f, 0.3f);
        for (int k = 0; k < W.size(); k++) W.data()[k] = d(rng);
        for (int k = 0; k < b.size(); k++) b.data()[k] = d(rng);
    }
    inline void forward(const Vec<I>& x) { y.noalias() = b; y.noalias() += W * x; }
};

// One streaming step: input in, recurrent layer, Dense out (RTNeural's benchmark shape in → H → in).
template <class Cell, int I, int H>
struct Net1 { Cell cell; Dense<H, I> dense; void init(std::mt19937& r) { cell.init(r); dense.init(r); }
    inline const Vec<I>& step(const Vec<I>& x) { cell.forward(x); dense.forward(cell.h); return dense.y; } };

// Two LSTM layers 16 → 32 → 32 → Dense(4).
struct Net2 { Lstm<16, 32> a; Lstm<32, 32> b; Dense<32, 4> dense;
    void init(std::mt19937& r) { a.init(r); b.init(r); dense.init(r); }
    inline const Vec<4>& step(const Vec<16>& x) { a.forward(x); b.forward(a.h); dense.forward(b.h); return dense.y; } };

template <class Net, int I>
static void bench(const char* name, int flops)
{
    std::mt19937 rng(1);
    Net* net = new Net(); net->init(rng);
    std::vector<Vec<I>> inputs(1024);
    std::uniform_real_distribution<float> d(-1, 1);
    for (auto& v : inputs) for (int k = 0; k < I; k++) v[k] = d(rng);
    const int steps = 200000;
    float sink = 0;
    std::vector<double> runs;
    for (int run = 0; run < 9; run++)
    {
        auto t0 = std::chrono::steady_clock::now();
        for (int s = 0; s < steps; s++) sink += net->step(inputs[s & 1023])[0];
        auto t1 = std::chrono::steady_clock::now();
        runs.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / steps);
    }
    std::sort(runs.begin(), runs.end());
    double median = runs[runs.size() / 2];
    std::printf("| %s | %.0f | %.0f | %.1f | (checksum %.3g)\n", name, runs[0], median, flops / median, sink);
    delete net;
}

// FLOPs per step: 2 per multiply-add of every product (the counts RnnGen's tables use).
constexpr int LstmFlops(int i, int h, int o) { return 2 * 4 * h * (i + h) + 2 * o * h; }
constexpr int GruFlops(int i, int h, int o) { return 2 * 3 * h * (i + h) + 2 * o * h; }

int main()
{
    std::printf("| net | best ns/step | median ns/step | GFLOP/s (median) |\n|---|---|---|---|\n");
    bench<Net1<Lstm<1, 8>, 1, 8>, 1>("LSTM 1→8→1", LstmFlops(1, 8, 1));
    bench<Net1<Lstm<1, 32>, 1, 32>, 1>("LSTM 1→32→1", LstmFlops(1, 32, 1));
    bench<Net1<Lstm<8, 32>, 8, 32>, 8>("LSTM 8→32→8", LstmFlops(8, 32, 8));
    bench<Net1<Lstm<32, 64>, 32, 64>, 32>("LSTM 32→64→32", LstmFlops(32, 64, 32));
    bench<Net1<Lstm<64, 128>, 64, 128>, 64>("LSTM 64→128→64", LstmFlops(64, 128, 64));
    bench<Net1<Gru<1, 8>, 1, 8>, 1>("GRU 1→8→1", GruFlops(1, 8, 1));
    bench<Net1<Gru<1, 32>, 1, 32>, 1>("GRU 1→32→1", GruFlops(1, 32, 1));
    bench<Net1<Gru<8, 32>, 8, 32>, 8>("GRU 8→32→8", GruFlops(8, 32, 8));
    bench<Net1<Gru<32, 64>, 32, 64>, 32>("GRU 32→64→32", GruFlops(32, 64, 32));
    bench<Net1<Gru<64, 128>, 64, 128>, 64>("GRU 64→128→64", GruFlops(64, 128, 64));
    bench<Net2, 16>("LSTM 16→32→32→4", LstmFlops(16, 32, 0) + LstmFlops(32, 32, 4));
}
