set terminal pngcairo size 900,540 font 'sans,10'
set output 'bench/results/2026-11-25/handshakes.png'
set grid
set key outside right top
set style fill solid 0.6
set boxwidth 0.6
set ylabel 'handshakes/s'
set title 'Handshakes per second, 16 in flight (crypto: one side’s crypto alone)'
set xtics rotate by -20
unset key
set yrange [0:*]
plot 'bench/results/2026-11-25/raw/handshakes.dat' using 0:2:xtic(1) with boxes, '' using 0:2:(sprintf('%.4g',$2)) with labels offset 0,0.7
