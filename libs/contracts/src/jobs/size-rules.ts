/**
 * The area rule for a width × height pair. The issue names the side to change: the larger one when the area is
 * too big, the smaller one when it is too small.
 */
export function areaIssue(
  width: number,
  height: number,
  minArea: number,
  maxArea: number,
  widthName: string,
  heightName: string,
): { side: string; message: string } | null {
  const area = width * height;
  if (area > maxArea) {
    return { side: width >= height ? widthName : heightName, message: `${width}×${height} = ${area} pixels is more than ${maxArea}` };
  }
  if (area < minArea) {
    return { side: width <= height ? widthName : heightName, message: `${width}×${height} = ${area} pixels is less than ${minArea}` };
  }
  return null;
}
