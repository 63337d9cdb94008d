set terminal pngcairo size 900,540 font 'sans,10'
set output 'bench/results/2026-11-25/throughput-by-size.png'
set grid
set key outside right top
set logscale xy
set xlabel 'message size (bytes)'
set ylabel 'delivered MB/s (median)'
set title 'Throughput by message size, one connection, loopback (raw UDP: unreliable datagrams)'
plot 'bench/results/2026-11-25/raw/size-tern.dat' using 1:2 with linespoints lw 2 title 'tern (service thread)', 'bench/results/2026-11-25/raw/size-enet.dat' using 1:2 with linespoints lw 2 title 'ENet', 'bench/results/2026-11-25/raw/size-gns.dat' using 1:2 with linespoints lw 2 title 'GNS (defaults)', 'bench/results/2026-11-25/raw/size-gnsapi-on-tern.dat' using 1:2 with linespoints lw 2 title 'GNS API on tern (compat lib)', 'bench/results/2026-11-25/raw/size-udp-mmsg-block.dat' using 1:2 with linespoints lw 2 title 'raw UDP sendmmsg/recvmmsg, blocking'
