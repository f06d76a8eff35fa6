/** The usage summary printed (like nanoBragg) when a run has no structure factors or no cell. */
export const NANOBRAGG_USAGE = `usage: nbparity simulate -- -mat auto.mat -hkl Fs.hkl [options]
structure factors and cell (one of each is required):
  -hkl FILE            text file of h k l F (P1); Fdump.bin in the working folder is reused when -hkl is absent
  -default_F F         structure factor for every unlisted hkl (alternative to -hkl)
  -mat FILE            MOSFLM A matrix (reciprocal vectors scaled by 1/lambda)
  -cell a b c al be ga unit cell in Angstrom and degrees (alternative to -mat)
  -misset rx ry rz | -misset random [-misset_seed N]
detector:  -distance mm  -close_distance mm  -pixel mm  -detpixels N (-detpixels_x/_y)  -detsize mm
           -Xbeam/-Ybeam mm  -Xclose/-Yclose mm  -ORGX/-ORGY px  -pivot beam|sample
           -mosflm -xds -adxv -denzo -dials  -fdet/-sdet/-odet/-beam/-polar_vector x y z  -spindle_axis x y z
           -detector_rotx/roty/rotz deg  -twotheta deg  -twotheta_axis x y z  -curved_det  -point_pixel
           -detector_abs um|inf  -detector_thick um  -detector_thicksteps N  -img FILE  -mask FILE  -roi x0 x1 y0 y1
beam:      -lambda A | -energy eV  -dispersion %  -dispsteps N  -divergence mrad  -hdivrange/-vdivrange mrad
           -hdivstep/-vdivstep mrad  -hdivsteps/-vdivsteps/-divsteps N  -round_div  -square_div  -sourcefile FILE
           -fluence ph/m^2 | -flux ph/s -exposure s -beamsize mm  -polar K  -nopolar
crystal:   -N n  -Na/-Nb/-Nc n  -xtalsize mm  -square_xtal -round_xtal -gauss_xtal -tophat_spots  -fudge f
           -mosaic deg  -mosaic_domains N  -mosaic_seed N  -phi deg  -osc deg  -phistep deg  -phisteps N
sampling:  -oversample N  -oversample_thick  -oversample_polar  -oversample_omega  -dmin A  -water um
           -interpolate  -nointerpolate
output:    -floatfile F  -intfile F  -noisefile F  -pgmfile F  -scale s  -pgmscale s  -adc n  -nopgm  -nonoise
           -seed N  -noprogress
`;
